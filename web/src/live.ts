// Live updates: the referralEvents subscription over graphql-ws, with the session cookie.
// On a reconnect it resumes after the last feed position seen, so nothing that happened meanwhile
// is missed: graphql-ws sends the same payload object again, whose `after` follows the notices.
import { createClient, type Client } from "graphql-ws";

export interface LiveEvent {
  referralId: string;
  position: number;
  event: { seq: number; type: string; status: string; at: string; actorOrganizationId: string | null };
}

const SUBSCRIPTION = `subscription Live($org: ID!, $after: Int) {
  referralEvents(organizationId: $org, after: $after) {
    referralId position event { seq type status at actorOrganizationId }
  }
}`;

let client: Client | null = null;

function shared(): Client {
  if (client === null) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    client = createClient({
      url: `${scheme}//${location.host}/graphql`,
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: async (retries) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 15000)));
      },
    });
  }
  return client;
}

/** Follow an organization's referral events; returns the function that stops following. */
export function follow(organizationId: string, onEvent: (event: LiveEvent) => void): () => void {
  const variables: { org: string; after: number | null } = { org: organizationId, after: null };
  let stopped = false;
  let unsubscribe: () => void = () => undefined;
  const start = (): void => {
    unsubscribe = shared().subscribe<{ referralEvents: LiveEvent }>(
      { query: SUBSCRIPTION, variables },
      {
        next: (message) => {
          const notice = message.data?.referralEvents;
          if (!notice) return;
          variables.after = notice.position;
          onEvent(notice);
        },
        error: () => {
          if (!stopped) setTimeout(start, 2000);
        },
        complete: () => undefined,
      },
    );
  };
  start();
  return () => {
    stopped = true;
    unsubscribe();
  };
}

export function closeLive(): void {
  void client?.dispose();
  client = null;
}
