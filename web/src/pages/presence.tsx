// Outreach presence: a worker logs a visit to a place (no personal data: counts and need codes),
// sees their own log, and deletes a mistaken entry within the edit delay. Admins see the team's.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../api";
import type { Workspace } from "../app";
import { explain } from "../errors";
import { date } from "../format";
import { t } from "../i18n";
import { label, termsOf } from "../vocab";

interface Entry {
  id: string;
  date: string;
  hours: number;
  contacts: number;
  firstContacts: number;
  needCodes: string[];
  warmHandoffs: number;
  place: { id: string; name: string; kind: string };
  loggedBy: string | null;
}

const ENTRY = "id date hours contacts firstContacts needCodes warmHandoffs loggedBy place { id name kind }";
const LOOKUPS = `query { places { id name kind } territories { id name } }`;
const MINE = `query Mine($from: Date!, $to: Date!) { myPresence(from: $from, to: $to) { ${ENTRY} } }`;
const TEAM = `query Team($org: ID!, $from: Date!, $to: Date!) { organizationPresence(organizationId: $org, from: $from, to: $to) { ${ENTRY} } }`;
const RECORD = `mutation Record($input: RecordPresenceInput!) { recordPresence(input: $input) { id } }`;
const DELETE = `mutation Delete($id: ID!) { deletePresence(id: $id) }`;

function isoDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function PresencePage({ workspace }: { workspace: Workspace }) {
  const today = isoDay(new Date());
  const since = isoDay(new Date(Date.now() - 56 * 86400000));
  const admin = workspace.orgRoles.some((r) => r.organizationId === workspace.orgId && r.role === "ORG_ADMIN");
  const [places, setPlaces] = useState<{ id: string; name: string; kind: string }[]>([]);
  const [territories, setTerritories] = useState<{ id: string; name: string }[]>([]);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [team, setTeam] = useState(false);
  const [place, setPlace] = useState("");
  const [newName, setNewName] = useState("");
  const [newKind, setNewKind] = useState("PARK");
  const [newTerritory, setNewTerritory] = useState("");
  const [day, setDay] = useState(today);
  const [hours, setHours] = useState("2");
  const [contacts, setContacts] = useState("0");
  const [first, setFirst] = useState("0");
  const [handoffs, setHandoffs] = useState("0");
  const [needs, setNeeds] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    gql<{ places: typeof places; territories: typeof territories }>(LOOKUPS).then(
      (d) => { setPlaces(d.places); setTerritories(d.territories); },
      (err) => setError(explain(err)),
    );
  }, []);
  useEffect(() => {
    const request = team
      ? gql<{ organizationPresence: Entry[] }>(TEAM, { org: workspace.orgId, from: since, to: today }).then((d) => d.organizationPresence)
      : gql<{ myPresence: Entry[] }>(MINE, { from: since, to: today }).then((d) => d.myPresence);
    request.then((rows) => setEntries([...rows].sort((a, b) => b.date.localeCompare(a.date))), (err) => setError(explain(err)));
  }, [team, version, workspace.orgId]);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    const input: Record<string, unknown> = {
      organizationId: workspace.orgId,
      date: day,
      hours: Number(hours),
      contacts: Number(contacts),
      firstContacts: Number(first),
      warmHandoffs: Number(handoffs),
      needCodes: needs,
    };
    if (place === "new") input.newPlace = { name: newName.trim(), kind: newKind, territoryId: newTerritory || null };
    else input.placeId = place || null;
    try {
      await gql(RECORD, { input });
      setMessage(t("presenceSaved"));
      setNeeds([]);
      setVersion((v) => v + 1);
      if (place === "new") {
        const d = await gql<{ places: typeof places }>(`query { places { id name kind } }`);
        setPlaces(d.places);
        setPlace("");
        setNewName("");
      }
    } catch (err) {
      setError(explain(err));
    }
  };
  const remove = async (entry: Entry): Promise<void> => {
    setError(null);
    try {
      await gql(DELETE, { id: entry.id });
      setMessage(t("presenceDeleted"));
      setVersion((v) => v + 1);
    } catch (err) {
      setError(explain(err));
    }
  };
  const totals = (entries ?? []).reduce((sum, e) => ({ hours: sum.hours + e.hours, contacts: sum.contacts + e.contacts }), { hours: 0, contacts: 0 });

  return (
    <section aria-labelledby="presence-title">
      <h1 id="presence-title">{t("presenceTitle")} <span class="muted">— {workspace.orgName}</span></h1>
      <p class="help">{t("presenceHelp")}</p>
      <form class="card" onSubmit={submit} aria-label={t("presenceRecord")}>
        <h2>{t("presenceRecord")}</h2>
        <div class="row">
          <label class="grow">{t("presencePlace")}
            <select name="place" required value={place} onChange={(e) => setPlace((e.target as HTMLSelectElement).value)}>
              <option value="">—</option>
              {places.map((p) => <option value={p.id}>{p.name} ({label("placeKind", p.kind)})</option>)}
              <option value="new">{t("presenceNewPlace")}</option>
            </select>
          </label>
          <label>{t("presenceDate")}<input type="date" name="date" required max={today} value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} /></label>
          <label>{t("presenceHours")}<input type="number" name="hours" required min="0.25" max="24" step="0.25" value={hours} onInput={(e) => setHours((e.target as HTMLInputElement).value)} /></label>
        </div>
        {place === "new" && (
          <fieldset>
            <legend>{t("presenceNewPlace")}</legend>
            <div class="row">
              <label class="grow">{t("presencePlaceName")}<input name="newPlace" required value={newName} onInput={(e) => setNewName((e.target as HTMLInputElement).value)} /></label>
              <label>{t("kind")}
                <select name="newKind" value={newKind} onChange={(e) => setNewKind((e.target as HTMLSelectElement).value)}>
                  {termsOf("placeKind").map((k) => <option value={k.code}>{label("placeKind", k.code)}</option>)}
                </select>
              </label>
              <label>{t("territory")}
                <select name="newTerritory" value={newTerritory} onChange={(e) => setNewTerritory((e.target as HTMLSelectElement).value)}>
                  <option value="">—</option>
                  {territories.map((tr) => <option value={tr.id}>{tr.name}</option>)}
                </select>
              </label>
            </div>
          </fieldset>
        )}
        <div class="row">
          <label>{t("presenceContacts")}<input type="number" name="contacts" required min="0" step="1" value={contacts} onInput={(e) => setContacts((e.target as HTMLInputElement).value)} /></label>
          <label>{t("presenceFirst")}<input type="number" name="firstContacts" min="0" step="1" value={first} onInput={(e) => setFirst((e.target as HTMLInputElement).value)} /></label>
          <label>{t("presenceHandoffs")}<input type="number" name="warmHandoffs" min="0" step="1" value={handoffs} onInput={(e) => setHandoffs((e.target as HTMLInputElement).value)} /></label>
        </div>
        <fieldset>
          <legend>{t("presenceNeeds")}</legend>
          <div class="need-grid">
            {termsOf("need").map((n) => (
              <label class="check"><input type="checkbox" name="need" value={n.code} checked={needs.includes(n.code)}
                onChange={(e) => setNeeds((k) => ((e.target as HTMLInputElement).checked ? [...k, n.code] : k.filter((c) => c !== n.code)))} /> {label("need", n.code)}</label>
            ))}
          </div>
        </fieldset>
        <p class="help">{t("presenceNoPersonal")}</p>
        {error && <p class="error" role="alert">{error}</p>}
        {message && <p class="ok" role="status">{message}</p>}
        <button type="submit" class="primary">{t("save")}</button>
      </form>
      <section class="card" aria-labelledby="log-title">
        <h2 id="log-title">{team ? t("presenceTeamLog") : t("presenceMyLog")} <span class="muted">— {totals.hours} h, {totals.contacts} {t("presenceFamilies")}</span></h2>
        {admin && (
          <label class="check"><input type="checkbox" checked={team} onChange={(e) => setTeam((e.target as HTMLInputElement).checked)} /> {t("presenceTeamLog")}</label>
        )}
        {entries === null ? <p class="loading">{t("loading")}</p> : entries.length === 0 ? <p>{t("none")}</p> : (
          <table>
            <thead><tr>
              <th scope="col">{t("presenceDate")}</th><th scope="col">{t("presencePlace")}</th><th scope="col">{t("presenceHours")}</th>
              <th scope="col">{t("presenceContacts")}</th><th scope="col">{t("presenceFirst")}</th><th scope="col">{t("presenceHandoffs")}</th>
              <th scope="col">{t("presenceNeeds")}</th><th scope="col"><span class="visually-hidden">{t("actions")}</span></th>
            </tr></thead>
            <tbody>
              {entries.map((e) => (
                <tr data-presence={e.id}>
                  <td>{date(e.date)}</td><td>{e.place.name}</td><td>{e.hours}</td><td>{e.contacts}</td><td>{e.firstContacts}</td><td>{e.warmHandoffs}</td>
                  <td>{e.needCodes.map((c) => label("need", c)).join(", ")}</td>
                  <td>{!team && <button type="button" onClick={() => void remove(e)} aria-label={`${t("presenceDelete")} — ${e.place.name}, ${date(e.date)}`}>{t("presenceDelete")}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
