// The organization's services: staff keep availability up to date from here.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../api";
import type { Workspace } from "../app";
import { explain } from "../errors";
import { dateTime } from "../format";
import { t } from "../i18n";
import { label, termsOf } from "../vocab";

interface Row {
  id: string;
  name: string;
  availability: string;
  availabilityChangedAt: string | null;
}

const QUERY = `query Own($org: ID!) { organization(id: $org) { services { id name availability availabilityChangedAt } } }`;
const SET = `mutation Set($id: ID!, $availability: Availability!) { setServiceAvailability(id: $id, availability: $availability) { id availability availabilityChangedAt } }`;

export function ServicesPage({ workspace }: { workspace: Workspace }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    gql<{ organization: { services: Row[] } | null }>(QUERY, { org: workspace.orgId }).then(
      (data) => setRows(data.organization?.services ?? []),
      (err) => setError(explain(err)),
    );
  }, [workspace.orgId]);
  const change = async (row: Row, availability: string): Promise<void> => {
    setError(null);
    setSaved(null);
    try {
      const data = await gql<{ setServiceAvailability: Row }>(SET, { id: row.id, availability });
      setRows((known) => known?.map((r) => (r.id === row.id ? { ...r, ...data.setServiceAvailability } : r)) ?? null);
      setSaved(`${row.name} — ${label("availability", availability)}. ${t("saved")}`);
    } catch (err) {
      setError(explain(err));
    }
  };
  return (
    <section aria-labelledby="services-title">
      <h1 id="services-title">{t("servicesTitle")} <span class="muted">— {workspace.orgName}</span></h1>
      <p class="help">{t("servicesHelp")}</p>
      {error && <p class="error" role="alert">{error}</p>}
      <p class="ok" role="status">{saved}</p>
      {rows === null ? <p class="loading">{t("loading")}</p> : (
        <table>
          <thead><tr><th scope="col">{t("service")}</th><th scope="col">{t("availability")}</th><th scope="col">{t("changedAt")}</th></tr></thead>
          <tbody>
            {rows.map((row) => (
              <tr data-service={row.id}>
                <td>{row.name}</td>
                <td>
                  <select aria-label={`${t("availability")} — ${row.name}`} value={row.availability}
                    onChange={(e) => void change(row, (e.target as HTMLSelectElement).value)}>
                    {termsOf("availability").map((a) => <option value={a.code}>{label("availability", a.code)}</option>)}
                  </select>
                </td>
                <td>{dateTime(row.availabilityChangedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
