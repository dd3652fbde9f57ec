// Inbox (INCOMING) and outbox (OUTGOING): counts per status, filters, pages of 20.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../api";
import type { Workspace } from "../app";
import { explain } from "../errors";
import { dateTime, timeLeft } from "../format";
import { t } from "../i18n";
import { href, onLink } from "../router";
import { label, termsOf } from "../vocab";

export interface ReferralRow {
  id: string;
  status: string;
  urgency: string;
  sentAt: string;
  acknowledgeBy: string;
  overdue: boolean;
  needCodes: string[];
  sender: { name: string } | null;
  receiver: { name: string } | null;
}

interface Page {
  totalCount: number;
  countsByStatus: { status: string; count: number }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: ReferralRow[];
}

const QUERY = `query Box($box: Box!, $org: ID!, $status: ReferralStatus, $need: String, $overdue: Boolean, $after: String) {
  referrals(box: $box, organizationId: $org, status: $status, needCode: $need, overdue: $overdue, first: 20, after: $after) {
    totalCount
    countsByStatus { status count }
    pageInfo { hasNextPage endCursor }
    nodes { id status urgency sentAt acknowledgeBy overdue needCodes sender { name } receiver { name } }
  }
}`;

export function ReferralList({ box, workspace }: { box: "INCOMING" | "OUTGOING"; workspace: Workspace }) {
  const [status, setStatus] = useState<string | null>(null);
  const [need, setNeed] = useState<string | null>(null);
  const [overdue, setOverdue] = useState(false);
  const [page, setPage] = useState<Page | null>(null);
  const [rows, setRows] = useState<ReferralRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const variables = { box, org: workspace.orgId, status, need, overdue: overdue ? true : null };

  useEffect(() => {
    let live = true;
    gql<{ referrals: Page }>(QUERY, variables).then(
      (data) => {
        if (!live) return;
        setPage(data.referrals);
        setRows(data.referrals.nodes);
        setError(null);
      },
      (err) => live && setError(explain(err)),
    );
    return () => {
      live = false;
    };
  }, [box, workspace.orgId, status, need, overdue, workspace.version]);

  const more = async (): Promise<void> => {
    if (!page?.pageInfo.endCursor) return;
    try {
      const data = await gql<{ referrals: Page }>(QUERY, { ...variables, after: page.pageInfo.endCursor });
      setPage(data.referrals);
      setRows((known) => [...known, ...data.referrals.nodes.filter((n) => !known.some((k) => k.id === n.id))]);
    } catch (err) {
      setError(explain(err));
    }
  };
  const title = box === "INCOMING" ? t("inbox") : t("outbox");
  return (
    <section aria-labelledby="list-title">
      <h1 id="list-title">{title} <span class="muted">— {workspace.orgName}</span></h1>
      <div class="counts" role="group" aria-label={t("countsTitle")}>
        <button type="button" class="chip" aria-pressed={status === null} onClick={() => setStatus(null)}>
          {t("all")} {page && <strong>{page.countsByStatus.reduce((sum, c) => sum + c.count, 0)}</strong>}
        </button>
        {page?.countsByStatus.filter((c) => c.count > 0).map((c) => (
          <button type="button" class={`chip status-${c.status}`} aria-pressed={status === c.status} data-status={c.status}
            onClick={() => setStatus(status === c.status ? null : c.status)}>
            {label("referralStatus", c.status)} <strong>{c.count}</strong>
          </button>
        ))}
      </div>
      <div class="filters">
        <label>
          {t("need")}{" "}
          <select value={need ?? ""} onChange={(e) => setNeed((e.target as HTMLSelectElement).value || null)}>
            <option value="">{t("anyNeed")}</option>
            {termsOf("need").map((n) => <option value={n.code}>{label("need", n.code)}</option>)}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue((e.target as HTMLInputElement).checked)} />
          {t("overdueOnly")}
        </label>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {page === null && !error ? (
        <p class="loading">{t("loading")}</p>
      ) : rows.length === 0 ? (
        <p>{t("noReferrals")}</p>
      ) : (
        <table class="referrals">
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t("status")}</th>
              <th scope="col">{t("urgency")}</th>
              <th scope="col">{t("needs")}</th>
              <th scope="col">{box === "INCOMING" ? t("from") : t("to")}</th>
              <th scope="col">{t("sentAt")}</th>
              <th scope="col">{t("ackLeft")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr data-referral={r.id} class={r.overdue ? "overdue" : undefined}>
                <td>
                  <a href={href(`/referrals/${r.id}`)} onClick={(e) => onLink(e, `/referrals/${r.id}`)}>
                    <span class={`badge status-${r.status}`}>{label("referralStatus", r.status)}</span>
                  </a>
                </td>
                <td><span class={`urgency urgency-${r.urgency}`}>{label("urgency", r.urgency)}</span></td>
                <td>{r.needCodes.map((c) => label("need", c)).join(", ")}</td>
                <td>{(box === "INCOMING" ? r.sender : r.receiver)?.name ?? "—"}</td>
                <td>{dateTime(r.sentAt)}</td>
                <td>
                  {r.status !== "SENT" ? <span class="muted">—</span> : r.overdue ? (
                    <span class="badge overdue-badge">{t("overdue")} · {timeLeft(r.acknowledgeBy)}</span>
                  ) : timeLeft(r.acknowledgeBy)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page?.pageInfo.hasNextPage && <button type="button" onClick={more}>{t("more")}</button>}
    </section>
  );
}
