// The shell: sign-in, the organization the user works for, navigation, live notices.
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, currentSession, gql, onSignedOut, signIn, signOut, type Session } from "./api";
import { explain } from "./errors";
import { time as clock } from "./format";
import { lang, setLang, t } from "./i18n";
import { closeLive, follow, type LiveEvent } from "./live";
import { href, navigate, onLink, usePath } from "./router";
import { loadVocabularies } from "./vocab";
import { ReferralList } from "./pages/referrals";
import { ReferralView } from "./pages/referral";
import { SendForm } from "./pages/send";
import { ServicesPage } from "./pages/services";
import { MapPage } from "./pages/map";
import { PresencePage } from "./pages/presence";

export interface OrgRole {
  organizationId: string;
  role: string;
  organization: { id: string; name: string } | null;
}

export interface Workspace {
  orgId: string;
  orgName: string;
  orgRoles: OrgRole[];
  /** Bumped by every live event, so pages reload what they show. */
  version: number;
}

const ME = `query Me { me { coordinatedNetworkIds studiedNetworkIds organizationRoles { organizationId role organization { id name } } } }`;

interface Me {
  coordinatedNetworkIds: string[];
  studiedNetworkIds: string[];
  organizationRoles: OrgRole[];
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [, setLanguage] = useState(lang());
  useEffect(() => {
    document.documentElement.lang = lang();
    currentSession().then(setSession, () => setSession(null));
    return onSignedOut(() => setSession(null));
  }, []);
  const switchLanguage = (): void => {
    const next = lang() === "fr" ? "en" : "fr";
    setLang(next);
    setLanguage(next);
  };
  if (session === undefined) return <p class="loading">{t("loading")}</p>;
  if (session === null) return <SignIn onSignedIn={setSession} onLanguage={switchLanguage} />;
  return (
    <Shell
      session={session}
      onLanguage={switchLanguage}
      onSignOut={async () => {
        closeLive();
        await signOut();
        setSession(null);
        navigate("/");
      }}
    />
  );
}

function LanguageButton({ onLanguage }: { onLanguage: () => void }) {
  return (
    <button type="button" class="link-button" onClick={onLanguage} lang={lang() === "fr" ? "en" : "fr"} aria-label={t("languageSwitch")}>
      {t("language")}
    </button>
  );
}

function SignIn({ onSignedIn, onLanguage }: { onSignedIn: (s: Session) => void; onLanguage: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(token));
      setToken("");
    } catch (err) {
      setError(err instanceof ApiError && err.code === "UNAUTHENTICATED" ? t("badToken") : explain(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <div class="signin-card">
        <div class="signin-top">
          <h1>{t("appName")}</h1>
          <LanguageButton onLanguage={onLanguage} />
        </div>
        <h2>{t("signInTitle")}</h2>
        <p class="help" id="token-help">{t("signInHelp")}</p>
        <form onSubmit={submit}>
          <label for="token">{t("token")}</label>
          <input id="token" name="token" type="password" autoComplete="off" required value={token} aria-describedby="token-help"
            onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
          {error && <p class="error" role="alert">{error}</p>}
          <button type="submit" class="primary" disabled={busy}>{t("signIn")}</button>
        </form>
      </div>
    </main>
  );
}

function Shell({ session, onLanguage, onSignOut }: { session: Session; onLanguage: () => void; onSignOut: () => void }) {
  const path = usePath();
  const [roles, setRoles] = useState<OrgRole[] | null>(null);
  const [mapNetworks, setMapNetworks] = useState<string[]>([]);
  const [coordinated, setCoordinated] = useState<string[]>([]);
  const [orgId, setOrgId] = useState<string | null>(localStorage.getItem("maillage.org"));
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([gql<{ me: Me }>(ME), loadVocabularies()]).then(
      ([me]) => {
        setMapNetworks([...new Set([...me.me.coordinatedNetworkIds, ...me.me.studiedNetworkIds])]);
        setCoordinated(me.me.coordinatedNetworkIds);
        setRoles(me.me.organizationRoles);
      },
      (err) => setError(explain(err)),
    );
  }, []);
  const chosen = roles?.find((r) => r.organizationId === orgId) ?? roles?.[0];
  const onEvent = useCallback(
    (event: LiveEvent) => {
      setVersion((v) => v + 1);
      const incoming = event.event.type === "SENT" && event.event.actorOrganizationId !== chosen?.organizationId;
      setNotice(`${t(incoming ? "live_new" : "live_update")} — ${clock(new Date().toISOString())}`);
    },
    [chosen?.organizationId],
  );
  useEffect(() => {
    if (!chosen) return undefined;
    return follow(chosen.organizationId, onEvent);
  }, [chosen?.organizationId, onEvent]);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (roles === null) return <p class="loading">{t("loading")}</p>;
  // Coordinators and researchers work for no organization: they open referrals by link only.
  const workspace: Workspace = chosen
    ? { orgId: chosen.organizationId, orgName: chosen.organization?.name ?? "", orgRoles: roles, version }
    : { orgId: "", orgName: "", orgRoles: roles, version };
  const nav: [string, string][] = [
    ...(chosen
      ? ([
          ["/", t("inbox")],
          ["/sent", t("outbox")],
          ["/new", t("newReferral")],
          ["/services", t("services")],
          ["/presence", t("presence")],
        ] as [string, string][])
      : []),
    ...(mapNetworks.length > 0 ? ([["/map", t("map")]] as [string, string][]) : []),
  ];
  const active = (to: string): boolean => (to === "/" ? path === "/" || path.startsWith("/referrals") : path.startsWith(to));
  return (
    <>
      <a class="skip" href="#main">{t("skip")}</a>
      <header class="top">
        <span class="brand">{t("appName")}</span>
        {roles.length > 1 ? (
          <label class="org-picker">
            <span class="visually-hidden">{t("organization")}</span>
            <select value={chosen?.organizationId} onChange={(e) => {
              const value = (e.target as HTMLSelectElement).value;
              localStorage.setItem("maillage.org", value);
              setOrgId(value);
            }}>
              {roles.map((r) => <option value={r.organizationId}>{r.organization?.name}</option>)}
            </select>
          </label>
        ) : (
          <span class="org-name">{workspace?.orgName}</span>
        )}
        <span class="spacer" />
        <span class="user">{session.user.name}</span>
        <LanguageButton onLanguage={onLanguage} />
        <button type="button" class="link-button" onClick={onSignOut}>{t("signOut")}</button>
      </header>
      {nav.length > 0 && <nav class="tabs" aria-label="Maillage">
        {nav.map(([to, text]) => (
          <a href={href(to)} aria-current={active(to) ? "page" : undefined} onClick={(e) => onLink(e, to)}>{text}</a>
        ))}
      </nav>}
      <div class="live" role="status" aria-live="polite">{notice}</div>
      <main id="main" tabIndex={-1} class={path === "/map" || chosen === undefined ? "wide" : undefined}>
        {path.startsWith("/referrals/") ? (
          <ReferralView id={decodeURIComponent(path.slice("/referrals/".length))} workspace={workspace} />
        ) : path === "/map" || (chosen === undefined && mapNetworks.length > 0) ? (
          <MapPage networkIds={mapNetworks} coordinated={coordinated} />
        ) : chosen === undefined ? (
          <p>{t("noOrganization")}</p>
        ) : path.startsWith("/referrals/") ? (
          <ReferralView id={decodeURIComponent(path.slice("/referrals/".length))} workspace={workspace} />
        ) : path === "/sent" ? (
          <ReferralList box="OUTGOING" workspace={workspace} />
        ) : path === "/new" ? (
          <SendForm workspace={workspace} />
        ) : path === "/services" ? (
          <ServicesPage workspace={workspace} />
        ) : path === "/presence" ? (
          <PresencePage workspace={workspace} />
        ) : (
          <ReferralList box="INCOMING" workspace={workspace} />
        )}
      </main>
    </>
  );
}
