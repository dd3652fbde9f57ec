// The app talks only to the public API: /session for signing in, /graphql for the rest.

export interface Session {
  user: { id: string; name: string };
  roles: string[];
  csrfToken: string;
  expiresAt: string;
}

/** An error from the API, with its code (BAD_USER_INPUT, CONFLICT, …) and message. */
export class ApiError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrf: string | null = null;
const signedOutListeners = new Set<() => void>();

/** Called when the API says the session has ended (401), wherever it happened. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    const first = body.errors?.[0];
    if (first) return new ApiError(String(first.extensions?.code ?? response.status), first.message, first.extensions);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(response.status >= 500 ? "SERVICE_UNAVAILABLE" : String(response.status), response.statusText);
}

async function call(input: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(input, { credentials: "same-origin", ...init });
  } catch {
    throw new ApiError("NETWORK", "network");
  }
}

export async function currentSession(): Promise<Session | null> {
  const response = await call("/session", { method: "GET" });
  if (response.status === 401) return null;
  if (!response.ok) throw await errorOf(response);
  const session = (await response.json()) as Session;
  csrf = session.csrfToken;
  return session;
}

export async function signIn(token: string): Promise<Session> {
  const response = await call("/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) throw await errorOf(response);
  const session = (await response.json()) as Session;
  csrf = session.csrfToken;
  return session;
}

export async function signOut(): Promise<void> {
  await call("/session", { method: "DELETE", headers: csrf ? { "X-CSRF-Token": csrf } : {} });
  csrf = null;
}

/** Run a query or mutation; the first error is thrown as an ApiError. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await call("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ?? "" },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) {
    signedOutListeners.forEach((listener) => listener());
    throw await errorOf(response);
  }
  if (!response.ok && !(response.headers.get("content-type") ?? "").includes("json")) throw await errorOf(response);
  const body = (await response.json()) as {
    data?: T;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  const first = body.errors?.[0];
  if (first) throw new ApiError(String(first.extensions?.code ?? "ERROR"), first.message, first.extensions);
  if (body.data === undefined) throw new ApiError(String(response.status), response.statusText);
  return body.data;
}

/** A file from a GET download route (the session cookie is the caller); errors as ApiError. */
export async function download(url: string): Promise<Blob> {
  const response = await call(url, { method: "GET" });
  if (response.status === 401) signedOutListeners.forEach((listener) => listener());
  if (!response.ok) throw await errorOf(response);
  return await response.blob();
}
