// One referral: its facts, the family (the two parties only), the timeline, notes, the
// redirect chain, and exactly the actions the API says this user may take now.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gql } from "../api";
import type { Workspace } from "../app";
import { explain, needsRefresh } from "../errors";
import { dateTime, timeLeft } from "../format";
import { t, tKey } from "../i18n";
import { href, onLink } from "../router";
import { label, termsOf } from "../vocab";

interface Link {
  id: string;
  status: string;
  receiver: { name: string } | null;
}

interface Detail {
  id: string;
  status: string;
  urgency: string;
  sentAt: string;
  acknowledgeBy: string;
  closedAt: string | null;
  overdue: boolean;
  loopClosed: boolean;
  overrideAvailability: boolean;
  allowedActions: string[];
  needCodes: string[];
  sender: { id: string; name: string } | null;
  receiver: { id: string; name: string } | null;
  service: { id: string; name: string; availability: string } | null;
  place: { name: string; kind: string } | null;
  consent: { given: boolean; at: string | null; method: string | null; scope: string | null };
  events: { id: string; seq: number; type: string; status: string; at: string; reason: string | null; comment: string | null; actorOrganization: { name: string } | null }[];
  redirectedFrom: Link | null;
  redirectedTo: Link | null;
}

interface Personal {
  family: { reference: string } | null;
  contact: { phone: string | null; email: string | null; preferredLanguage: string | null; bestTime: string | null } | null;
}

const LINK = "id status receiver { name }";
const DETAIL = `query Referral($id: ID!) { referral(id: $id) {
  id status urgency sentAt acknowledgeBy closedAt overdue loopClosed overrideAvailability allowedActions needCodes
  sender { id name } receiver { id name } service { id name availability } place { name kind }
  consent { given at method scope }
  events { id seq type status at reason comment actorOrganization { name } }
  redirectedFrom { ${LINK} } redirectedTo { ${LINK} }
} }`;
const PERSONAL = `query Family($id: ID!) { referral(id: $id) { family { reference } contact { phone email preferredLanguage bestTime } } }`;

// Each action's mutation; $expected makes a retry of a move that already happened harmless.
const MUTATIONS: Record<string, string> = {
  ACKNOWLEDGE: `mutation($id: ID!, $expected: ReferralStatus) { acknowledgeReferral(id: $id, expectedStatus: $expected) { id } }`,
  ACCEPT: `mutation($id: ID!, $expected: ReferralStatus) { acceptReferral(id: $id, expectedStatus: $expected) { id } }`,
  DECLINE: `mutation($id: ID!, $expected: ReferralStatus, $reason: DeclineReason!, $comment: String) { declineReferral(id: $id, reason: $reason, comment: $comment, expectedStatus: $expected) { id } }`,
  REDIRECT: `mutation($id: ID!, $expected: ReferralStatus, $to: ID!, $comment: String) { redirectReferral(id: $id, toOrganizationId: $to, comment: $comment, expectedStatus: $expected) { id redirectedTo { id } } }`,
  RECORD_CONTACT: `mutation($id: ID!, $expected: ReferralStatus) { recordReferralContact(id: $id, expectedStatus: $expected) { id } }`,
  COMPLETE: `mutation($id: ID!, $expected: ReferralStatus, $comment: String) { completeReferral(id: $id, comment: $comment, expectedStatus: $expected) { id } }`,
  RECORD_NO_SHOW: `mutation($id: ID!, $expected: ReferralStatus, $comment: String) { recordNoShow(id: $id, comment: $comment, expectedStatus: $expected) { id } }`,
  CANCEL: `mutation($id: ID!, $expected: ReferralStatus, $reason: String!) { cancelReferral(id: $id, reason: $reason, expectedStatus: $expected) { id } }`,
  NOTE: `mutation($id: ID!, $text: String!) { addReferralNote(id: $id, text: $text) { id } }`,
  WITHDRAW_CONSENT: `mutation($id: ID!, $comment: String) { withdrawConsent(id: $id, comment: $comment) { id } }`,
};
// Actions taken with one click; the others open a small form first.
const DIRECT = new Set(["ACKNOWLEDGE", "ACCEPT", "RECORD_CONTACT"]);

export function ReferralView({ id, workspace }: { id: string; workspace: Workspace }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [personal, setPersonal] = useState<Personal | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    gql<{ referral: Detail }>(DETAIL, { id }).then(
      (data) => {
        if (!live) return;
        setDetail(data.referral);
        const party = [data.referral.sender?.id, data.referral.receiver?.id].filter((org) =>
          workspace.orgRoles.some((r) => r.organizationId === org),
        );
        // Family data is asked for only by the two parties (the API refuses anyone else anyway).
        if (party.length > 0) {
          gql<{ referral: Personal }>(PERSONAL, { id }).then((p) => live && setPersonal(p.referral), () => live && setPersonal(null));
        } else {
          setPersonal(null);
        }
      },
      (err) => live && setError(explain(err)),
    );
    return () => {
      live = false;
    };
  }, [id, workspace.version, reload]);

  if (error && !detail) return <p class="error" role="alert">{error}</p>;
  if (!detail) return <p class="loading">{t("loading")}</p>;

  const act = async (action: string, extra: Record<string, unknown> = {}): Promise<void> => {
    setError(null);
    setMessage(null);
    try {
      await gql(MUTATIONS[action], { id: detail.id, expected: detail.status, ...extra });
      setMessage(t("done"));
    } catch (err) {
      setError(explain(err));
      if (!needsRefresh(err) && !(err instanceof ApiError && err.code === "SERVICE_UNAVAILABLE")) return;
    }
    setReload((n) => n + 1);
  };
  const incoming = workspace.orgId === detail.receiver?.id;
  return (
    <article class="referral" data-status={detail.status} aria-labelledby="referral-title">
      <p><a href={href(incoming ? "/" : "/sent")} onClick={(e) => onLink(e, incoming ? "/" : "/sent")}>← {t("back")}</a></p>
      <h1 id="referral-title">
        {t("referral")} <span class={`badge status-${detail.status}`} data-testid="status">{label("referralStatus", detail.status)}</span>
        {detail.overdue && <span class="badge overdue-badge">{t("overdue")}</span>}
        {detail.loopClosed && <span class="badge closed-badge">{t("closed")}</span>}
      </h1>
      <div class="columns">
        <section class="card" aria-labelledby="facts">
          <h2 id="facts" class="visually-hidden">{t("referral")}</h2>
          <dl class="facts">
            <dt>{t("from")}</dt><dd>{detail.sender?.name ?? "—"}</dd>
            <dt>{t("to")}</dt><dd>{detail.receiver?.name ?? "—"}</dd>
            <dt>{t("service")}</dt><dd>{detail.service ? `${detail.service.name} (${label("availability", detail.service.availability)})` : "—"}</dd>
            <dt>{t("needs")}</dt><dd>{detail.needCodes.map((c) => label("need", c)).join(", ")}</dd>
            <dt>{t("urgency")}</dt><dd>{label("urgency", detail.urgency)}</dd>
            <dt>{t("sentAt")}</dt><dd>{dateTime(detail.sentAt)}</dd>
            {detail.status === "SENT" && (<><dt>{t("ackLeft")}</dt><dd>{timeLeft(detail.acknowledgeBy)} ({dateTime(detail.acknowledgeBy)})</dd></>)}
            <dt>{t("place")}</dt><dd>{detail.place ? `${detail.place.name} (${label("placeKind", detail.place.kind)})` : "—"}</dd>
            <dt>{t("consent")}</dt>
            <dd>{detail.consent.given ? `${t("consentGiven")} — ${label("consentMethod", detail.consent.method)}${detail.consent.scope ? ` · ${detail.consent.scope}` : ""}` : t("consentWithdrawn")}</dd>
            {detail.redirectedFrom && (<><dt>{t("redirectedFrom")}</dt><dd><ChainLink link={detail.redirectedFrom} /></dd></>)}
            {detail.redirectedTo && (<><dt>{t("redirectedTo")}</dt><dd><ChainLink link={detail.redirectedTo} /></dd></>)}
          </dl>
        </section>
        {personal && (
          <section class="card family" aria-labelledby="family-title" data-testid="family">
            <h2 id="family-title">{t("family")}</h2>
            <dl class="facts">
              <dt>{t("fileNumber")}</dt><dd>{personal.family?.reference ?? "—"}</dd>
            </dl>
            {personal.contact ? (
              <dl class="facts" data-testid="contact">
                {personal.contact.phone && (<><dt>{t("phone")}</dt><dd>{personal.contact.phone}</dd></>)}
                {personal.contact.email && (<><dt>{t("email")}</dt><dd>{personal.contact.email}</dd></>)}
                {personal.contact.preferredLanguage && (<><dt>{t("preferredLanguage")}</dt><dd>{personal.contact.preferredLanguage}</dd></>)}
                {personal.contact.bestTime && (<><dt>{t("bestTime")}</dt><dd>{personal.contact.bestTime}</dd></>)}
              </dl>
            ) : <p class="muted">{t("noContact")}</p>}
          </section>
        )}
      </div>
      <section class="card" aria-labelledby="actions-title">
        <h2 id="actions-title">{t("actions")}</h2>
        {error && <p class="error" role="alert">{error}</p>}
        {message && <p class="ok" role="status">{message}</p>}
        {detail.allowedActions.length === 0 ? <p class="muted">{t("noActions")}</p> : (
          <div class="actions">
            {detail.allowedActions.map((action) => (
              <ActionControl key={`${action}-${detail.status}`} action={action} onAct={act} />
            ))}
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("timeline")}</h2>
        <ol class="timeline">
          {detail.events.map((e) => (
            <li data-event={e.type}>
              <time dateTime={e.at}>{dateTime(e.at)}</time>{" "}
              <strong>{label("eventType", e.type)}</strong>
              {e.actorOrganization && <> {t("by")} {e.actorOrganization.name}</>}
              {e.reason && <> — {label("declineReason", e.reason) !== e.reason ? label("declineReason", e.reason) : e.reason}</>}
              {e.comment && <p class="comment">{e.comment}</p>}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}

function ChainLink({ link }: { link: Link }) {
  return (
    <a href={href(`/referrals/${link.id}`)} onClick={(e) => onLink(e, `/referrals/${link.id}`)}>
      {link.receiver?.name ?? "—"} ({label("referralStatus", link.status)})
    </a>
  );
}

function ActionControl({ action, onAct }: { action: string; onAct: (action: string, extra?: Record<string, unknown>) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState("");
  const [text, setText] = useState("");
  const [orgQuery, setOrgQuery] = useState("");
  const [orgs, setOrgs] = useState<{ id: string; name: string }[]>([]);
  const [target, setTarget] = useState<string>("");
  const name = tKey(`act_${action}`, "confirm");
  const run = async (extra: Record<string, unknown> = {}): Promise<void> => {
    setBusy(true);
    try {
      await onAct(action, extra);
    } finally {
      setBusy(false);
    }
  };
  if (DIRECT.has(action)) {
    return <button type="button" class="primary" data-action={action} disabled={busy} onClick={() => run()}>{name}</button>;
  }
  if (!open) {
    return <button type="button" data-action={action} aria-expanded="false" onClick={() => setOpen(true)}>{name}</button>;
  }
  const searchOrgs = async (): Promise<void> => {
    const data = await gql<{ organizations: { nodes: { id: string; name: string }[] } }>(
      `query($q: String) { organizations(filter: { search: $q }, first: 10) { nodes { id name } } }`, { q: orgQuery },
    );
    setOrgs(data.organizations.nodes);
  };
  const submit = (event: Event): void => {
    event.preventDefault();
    const comment = text.trim() || null;
    const extra: Record<string, Record<string, unknown>> = {
      DECLINE: { reason, comment },
      REDIRECT: { to: target, comment },
      COMPLETE: { comment },
      RECORD_NO_SHOW: { comment },
      CANCEL: { reason: text.trim() },
      NOTE: { text: text.trim() },
      WITHDRAW_CONSENT: { comment },
    };
    void run(extra[action] ?? {});
  };
  const textLabel = action === "COMPLETE" ? t("outcome") : action === "NOTE" ? t("noteText") : action === "CANCEL" ? t("reason") : t("comment");
  const textRequired = action === "NOTE" || action === "CANCEL" || (action === "DECLINE" && reason === "OTHER");
  return (
    <form class="action-form" data-form={action} onSubmit={submit} aria-label={name}>
      <h3>{name}</h3>
      {action === "DECLINE" && (
        <label>{t("reason")}
          <select required value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
            <option value="">—</option>
            {termsOf("declineReason").map((r) => <option value={r.code}>{label("declineReason", r.code)}</option>)}
          </select>
        </label>
      )}
      {action === "REDIRECT" && (
        <fieldset>
          <legend>{t("searchOrg")}</legend>
          <input type="search" aria-label={t("searchOrg")} value={orgQuery} onInput={(e) => setOrgQuery((e.target as HTMLInputElement).value)} />
          <button type="button" onClick={() => void searchOrgs()}>{t("search")}</button>
          {orgs.map((o) => (
            <label class="check"><input type="radio" name="redirect-target" value={o.id} checked={target === o.id} onChange={() => setTarget(o.id)} required /> {o.name}</label>
          ))}
        </fieldset>
      )}
      <label>{textLabel}
        <textarea rows={3} required={textRequired} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div class="form-buttons">
        <button type="submit" class="primary" disabled={busy}>{t("confirm")}</button>
        <button type="button" onClick={() => setOpen(false)}>{t("cancel")}</button>
      </div>
    </form>
  );
}
