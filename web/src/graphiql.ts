// GraphiQL from our own build (no CDN): it works offline. Signed in to the app, it uses the
// session cookie and its CSRF token; otherwise put "Authorization: Bearer mlg_…" in Headers.
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import "graphiql/graphiql.css";
import "./graphiql-page.css";

async function csrfToken(): Promise<string | null> {
  const response = await fetch("/session", { credentials: "same-origin" });
  if (!response.ok) return null;
  const body = (await response.json()) as { csrfToken?: string };
  return body.csrfToken ?? null;
}

async function main(): Promise<void> {
  const csrf = await csrfToken();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const fetcher = createGraphiQLFetcher({
    url: "/graphql",
    subscriptionUrl: `${scheme}//${location.host}/graphql`,
    headers: csrf ? { "X-CSRF-Token": csrf } : {},
  });
  const root = document.getElementById("graphiql");
  if (root === null) return;
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher,
      defaultQuery: "# Who am I? Run it with ▶ (Ctrl-Enter).\nquery Me {\n  me {\n    user { name }\n    roles\n  }\n}\n",
      defaultHeaders: csrf ? "" : '{\n  "Authorization": "Bearer mlg_…"\n}',
      defaultEditorToolsVisibility: csrf ? false : "headers",
    }),
  );
}

void main();
