// Send a referral: needs and territory, matching services with live availability (OPEN first;
// FULL and CLOSED need an explicit override), then the family's file number — never a name.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../api";
import type { Workspace } from "../app";
import { explain } from "../errors";
import { t } from "../i18n";
import { navigate } from "../router";
import { label, termsOf } from "../vocab";

interface ServiceRow {
  id: string;
  name: string;
  availability: string;
  languages: string[];
  organization: { id: string; name: string; languages: string[] } | null;
}

const LOOKUPS = `query Lookups { territories { id code name } places { id name kind } }`;
const SERVICES = `query Services($need: String, $territory: ID) {
  services(filter: { needCode: $need, territoryId: $territory }, first: 20) {
    nodes { id name availability languages organization { id name languages } }
  }
}`;
const SEND = `mutation Send($input: SendReferralInput!) { sendReferral(input: $input) { id } }`;
const BLOCKED = new Set(["FULL", "CLOSED"]);

export function SendForm({ workspace }: { workspace: Workspace }) {
  const [territories, setTerritories] = useState<{ id: string; name: string }[]>([]);
  const [places, setPlaces] = useState<{ id: string; name: string; kind: string }[]>([]);
  const [needs, setNeeds] = useState<string[]>([]);
  const [territory, setTerritory] = useState("");
  const [services, setServices] = useState<ServiceRow[] | null>(null);
  const [service, setService] = useState<ServiceRow | null>(null);
  const [override, setOverride] = useState(false);
  const [reference, setReference] = useState("");
  const [method, setMethod] = useState("VERBAL");
  const [scope, setScope] = useState(t("consentScopeDefault"));
  const [phone, setPhone] = useState("");
  const [email, setEmail] = useState("");
  const [language, setLanguage] = useState("");
  const [urgency, setUrgency] = useState("ROUTINE");
  const [place, setPlace] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per referral being written: a double click or a retry never sends twice.
  const [idempotencyKey] = useState(() => crypto.randomUUID());

  useEffect(() => {
    gql<{ territories: { id: string; name: string }[]; places: { id: string; name: string; kind: string }[] }>(LOOKUPS).then(
      (data) => {
        setTerritories(data.territories);
        setPlaces(data.places);
      },
      (err) => setError(explain(err)),
    );
  }, []);

  const find = async (): Promise<void> => {
    setError(null);
    if (needs.length === 0) {
      setError(t("chooseNeed"));
      return;
    }
    try {
      const data = await gql<{ services: { nodes: ServiceRow[] } }>(SERVICES, { need: needs[0], territory: territory || null });
      setServices(data.services.nodes.filter((s) => s.organization?.id !== workspace.orgId));
      setService(null);
      setOverride(false);
    } catch (err) {
      setError(explain(err));
    }
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(null);
    if (needs.length === 0) return setError(t("chooseNeed"));
    if (!service?.organization) return setError(t("chooseService"));
    if (BLOCKED.has(service.availability) && !override) return setError(t("overrideNeeded"));
    const contact = phone || email || language ? { phone: phone || null, email: email || null, preferredLanguage: language || null } : null;
    setBusy(true);
    try {
      const data = await gql<{ sendReferral: { id: string } }>(SEND, {
        input: {
          fromOrganizationId: workspace.orgId,
          toOrganizationId: service.organization.id,
          serviceId: service.id,
          needCodes: needs,
          familyReference: reference.trim(),
          consent: { given: true, method, scope: scope.trim() },
          contact,
          urgency,
          placeId: place || null,
          comment: comment.trim() || null,
          overrideAvailability: override,
          idempotencyKey,
        },
      });
      navigate(`/referrals/${data.sendReferral.id}`);
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  };
  const toggleNeed = (code: string, on: boolean): void =>
    setNeeds((known) => (on ? [...known, code] : known.filter((c) => c !== code)));

  return (
    <form class="send" onSubmit={submit} aria-labelledby="send-title" noValidate>
      <h1 id="send-title">{t("sendTitle")} <span class="muted">— {workspace.orgName}</span></h1>
      <fieldset class="card">
        <legend>{t("sendStep1")}</legend>
        <div class="need-grid" role="group" aria-label={t("needs")}>
          {termsOf("need").map((n) => (
            <label class="check"><input type="checkbox" name="need" value={n.code} checked={needs.includes(n.code)}
              onChange={(e) => toggleNeed(n.code, (e.target as HTMLInputElement).checked)} /> {label("need", n.code)}</label>
          ))}
        </div>
        <label>{t("territory")}
          <select name="territory" value={territory} onChange={(e) => setTerritory((e.target as HTMLSelectElement).value)}>
            <option value="">{t("anyTerritory")}</option>
            {territories.map((tr) => <option value={tr.id}>{tr.name}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => void find()}>{t("findServices")}</button>
      </fieldset>
      {services !== null && (
        <fieldset class="card">
          <legend>{t("sendStep2")}</legend>
          {services.length === 0 ? <p>{t("noServices")}</p> : (
            <ul class="services">
              {services.map((s) => (
                <li class={`service ${service?.id === s.id ? "chosen" : ""}`} data-service={s.id} data-availability={s.availability}>
                  <label class="check">
                    <input type="radio" name="service" value={s.id} checked={service?.id === s.id} onChange={() => { setService(s); setOverride(false); }} />
                    <span>
                      <strong>{s.name}</strong> — {s.organization?.name}
                      <br />
                      <span class={`badge availability-${s.availability}`}>{label("availability", s.availability)}</span>{" "}
                      <span class="muted">{t("languages")}: {(s.languages.length ? s.languages : s.organization?.languages ?? []).join(", ") || "—"}</span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          {service && BLOCKED.has(service.availability) && (
            <label class="check warning" data-testid="override">
              <input type="checkbox" name="override" checked={override} onChange={(e) => setOverride((e.target as HTMLInputElement).checked)} /> {t("overrideLabel")}
            </label>
          )}
        </fieldset>
      )}
      <fieldset class="card">
        <legend>{t("sendStep3")}</legend>
        <label>{t("fileNumber")}
          <input name="familyReference" required maxLength={64} autoComplete="off" value={reference} aria-describedby="ref-help"
            onInput={(e) => setReference((e.target as HTMLInputElement).value)} />
        </label>
        <p class="help" id="ref-help">{t("fileNumberHelp")}</p>
        <div class="row">
          <label>{t("consentMethod")}
            <select name="consentMethod" value={method} onChange={(e) => setMethod((e.target as HTMLSelectElement).value)}>
              {termsOf("consentMethod").map((m) => <option value={m.code}>{label("consentMethod", m.code)}</option>)}
            </select>
          </label>
          <label class="grow">{t("consentScope")}
            <input name="consentScope" required value={scope} aria-describedby="scope-help" onInput={(e) => setScope((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        <p class="help" id="scope-help">{t("consentScopeHelp")}</p>
        <fieldset>
          <legend>{t("contactOptional")}</legend>
          <div class="row">
            <label>{t("phone")}<input name="phone" type="tel" autoComplete="off" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} /></label>
            <label>{t("email")}<input name="email" type="email" autoComplete="off" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} /></label>
            <label>{t("preferredLanguage")}<input name="language" value={language} onInput={(e) => setLanguage((e.target as HTMLInputElement).value)} /></label>
          </div>
        </fieldset>
        <div class="row">
          <label>{t("urgency")}
            <select name="urgency" value={urgency} onChange={(e) => setUrgency((e.target as HTMLSelectElement).value)}>
              {termsOf("urgency").map((u) => <option value={u.code}>{label("urgency", u.code)}</option>)}
            </select>
          </label>
          <label class="grow">{t("place")}
            <select name="place" value={place} onChange={(e) => setPlace((e.target as HTMLSelectElement).value)}>
              <option value="">{t("noPlace")}</option>
              {places.map((p) => <option value={p.id}>{p.name} ({label("placeKind", p.kind)})</option>)}
            </select>
          </label>
        </div>
        <label>{t("comment")}
          <textarea name="comment" rows={3} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
        </label>
      </fieldset>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary" disabled={busy}>{busy ? t("sending") : t("send")}</button>
    </form>
  );
}
