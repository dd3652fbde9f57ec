// French first, English on request. The app's own words are here; every vocabulary term
// (statuses, needs, reasons, kinds…) comes from the API's FR/EN labels (see vocab.ts).

export type Lang = "fr" | "en";

const WORDS = {
  appName: ["Maillage", "Maillage"],
  skip: ["Aller au contenu", "Skip to content"],
  signInTitle: ["Se connecter", "Sign in"],
  signInHelp: [
    "Collez le jeton d'accès (il commence par mlg_) que l'administration de votre organisme vous a remis. Il n'est pas gardé dans le navigateur : une session sécurisée le remplace.",
    "Paste the access token (it starts with mlg_) your organization's administrator gave you. The browser does not keep it: a secure session replaces it.",
  ],
  token: ["Jeton d'accès", "Access token"],
  signIn: ["Se connecter", "Sign in"],
  badToken: [
    "Ce jeton est inconnu ou révoqué. Demandez-en un nouveau à l'administration de votre organisme.",
    "This token is unknown or revoked. Ask your organization's administrator for a new one.",
  ],
  signOut: ["Se déconnecter", "Sign out"],
  organization: ["Organisme", "Organization"],
  inbox: ["Reçues", "Inbox"],
  outbox: ["Envoyées", "Sent"],
  newReferral: ["Nouvelle référence", "New referral"],
  services: ["Nos services", "Our services"],
  language: ["English", "Français"],
  languageSwitch: ["Switch to English", "Passer en français"],
  loading: ["Chargement…", "Loading…"],
  all: ["Toutes", "All"],
  status: ["Statut", "Status"],
  need: ["Besoin", "Need"],
  needs: ["Besoins", "Needs"],
  urgency: ["Urgence", "Urgency"],
  from: ["De", "From"],
  to: ["À", "To"],
  sentAt: ["Envoyée le", "Sent"],
  ackLeft: ["Délai pour accuser réception", "Time left to acknowledge"],
  overdue: ["En retard", "Overdue"],
  overdueOnly: ["En retard seulement", "Overdue only"],
  anyNeed: ["Tous les besoins", "All needs"],
  noReferrals: ["Aucune référence ici.", "No referrals here."],
  more: ["Afficher plus", "Show more"],
  open: ["Ouvrir", "Open"],
  countsTitle: ["Par statut", "By status"],
  referral: ["Référence", "Referral"],
  back: ["Retour", "Back"],
  timeline: ["Historique", "Timeline"],
  family: ["Famille", "Family"],
  fileNumber: ["Numéro de dossier", "File number"],
  contact: ["Coordonnées", "Contact"],
  phone: ["Téléphone", "Phone"],
  email: ["Courriel", "E-mail"],
  preferredLanguage: ["Langue préférée", "Preferred language"],
  bestTime: ["Meilleur moment", "Best time"],
  noContact: ["Aucune coordonnée (non fournie, effacée ou consentement retiré).", "No contact details (not given, purged or consent withdrawn)."],
  consent: ["Consentement", "Consent"],
  consentGiven: ["donné", "given"],
  consentWithdrawn: ["retiré ou absent", "withdrawn or absent"],
  notes: ["Notes", "Notes"],
  noNotes: ["Aucune note.", "No notes."],
  service: ["Service", "Service"],
  place: ["Lieu de rencontre", "Where the family was met"],
  redirectedFrom: ["Réorientée depuis", "Redirected from"],
  redirectedTo: ["Réorientée vers", "Redirected to"],
  actions: ["Actions possibles", "What you can do"],
  noActions: ["Aucune action possible pour vous à cette étape.", "Nothing for you to do at this stage."],
  reason: ["Motif", "Reason"],
  comment: ["Commentaire", "Comment"],
  outcome: ["Résultat pour la famille", "Outcome for the family"],
  noteText: ["Note", "Note"],
  confirm: ["Confirmer", "Confirm"],
  cancel: ["Annuler", "Cancel"],
  searchOrg: ["Chercher un organisme", "Search an organization"],
  search: ["Chercher", "Search"],
  choose: ["Choisir", "Choose"],
  act_ACKNOWLEDGE: ["Accuser réception", "Acknowledge"],
  act_ACCEPT: ["Accepter", "Accept"],
  act_DECLINE: ["Refuser", "Decline"],
  act_REDIRECT: ["Réorienter", "Redirect"],
  act_RECORD_CONTACT: ["Famille contactée", "Family contacted"],
  act_COMPLETE: ["Terminer", "Complete"],
  act_RECORD_NO_SHOW: ["Absence", "No-show"],
  act_CANCEL: ["Annuler la référence", "Cancel the referral"],
  act_NOTE: ["Ajouter une note", "Add a note"],
  act_WITHDRAW_CONSENT: ["Retrait du consentement", "Consent withdrawn"],
  done: ["C'est fait.", "Done."],
  err_CONFLICT: [
    "Quelqu'un d'autre a modifié cette référence entre-temps. Voici son état actuel : vérifiez avant d'agir de nouveau.",
    "Someone else changed this referral in the meantime. Here is its current state: check it before acting again.",
  ],
  err_INVALID_TRANSITION: [
    "Cette action n'est plus possible à cette étape. La référence a été mise à jour.",
    "This action is no longer possible at this stage. The referral has been refreshed.",
  ],
  err_SERVICE_UNAVAILABLE: [
    "Le service est momentanément indisponible. Rien n'a été perdu : réessayez dans un instant.",
    "The service is briefly unavailable. Nothing was lost: try again in a moment.",
  ],
  err_NETWORK: [
    "Pas de connexion au serveur. Vérifiez votre connexion, puis réessayez.",
    "Cannot reach the server. Check your connection, then try again.",
  ],
  err_FORBIDDEN: ["Vous n'avez pas le droit de faire cela.", "You are not allowed to do this."],
  err_UNAUTHENTICATED: ["Votre session a pris fin. Connectez-vous de nouveau.", "Your session has ended. Sign in again."],
  err_NOT_FOUND: ["Introuvable (ou hors de votre accès).", "Not found (or out of your reach)."],
  err_RATE_LIMITED: ["Trop de demandes d'un coup. Patientez quelques secondes.", "Too many requests at once. Wait a few seconds."],
  err_generic: ["Une erreur est survenue.", "Something went wrong."],
  live_new: ["Nouvelle référence reçue", "New referral received"],
  live_update: ["Une référence a changé", "A referral changed"],
  sendTitle: ["Envoyer une référence", "Send a referral"],
  sendStep1: ["1. Besoins et territoire", "1. Needs and territory"],
  sendStep2: ["2. Service", "2. Service"],
  sendStep3: ["3. La famille", "3. The family"],
  territory: ["Territoire", "Territory"],
  anyTerritory: ["Tous les territoires", "All territories"],
  findServices: ["Voir les services", "Show services"],
  noServices: ["Aucun service ne correspond. Essayez un autre territoire ou besoin.", "No service matches. Try another territory or need."],
  languages: ["Langues", "Languages"],
  availability: ["Disponibilité", "Availability"],
  pickService: ["Choisir ce service", "Choose this service"],
  chosen: ["Choisi", "Chosen"],
  overrideLabel: [
    "Ce service est complet ou fermé. J'ai parlé à l'organisme et j'envoie quand même.",
    "This service is full or closed. I spoke with the organization and I am sending anyway.",
  ],
  overrideNeeded: ["Cochez la case pour envoyer à un service complet ou fermé.", "Tick the box to send to a full or closed service."],
  fileNumberHelp: [
    "Le numéro de dossier de votre organisme, jamais un nom : les références circulent entre organismes, et un numéro ne dit rien de la famille à qui ne doit pas savoir.",
    "Your organization's file number, never a name: referrals travel between organizations, and a number tells nothing about the family to whoever should not know.",
  ],
  consentMethod: ["Consentement obtenu", "Consent obtained"],
  consentScope: ["Portée du consentement", "Consent scope"],
  consentScopeHelp: ["Ce que la famille accepte que l'on partage, et avec qui.", "What the family agrees to share, and with whom."],
  consentScopeDefault: ["Partage avec l'organisme destinataire pour ce besoin", "Sharing with the receiving organization for this need"],
  contactOptional: ["Coordonnées (facultatif)", "Contact (optional)"],
  send: ["Envoyer la référence", "Send the referral"],
  sending: ["Envoi…", "Sending…"],
  sent: ["Référence envoyée.", "Referral sent."],
  chooseNeed: ["Choisissez au moins un besoin.", "Choose at least one need."],
  chooseService: ["Choisissez un service.", "Choose a service."],
  noPlace: ["— Aucun —", "— None —"],
  servicesTitle: ["Les services de l'organisme", "The organization's services"],
  servicesHelp: [
    "Tenez la disponibilité à jour : une référence vers un service complet est la rupture que Maillage veut éviter.",
    "Keep availability up to date: a referral to a full service is the breakdown Maillage exists to prevent.",
  ],
  changedAt: ["Modifiée le", "Changed"],
  save: ["Enregistrer", "Save"],
  saved: ["Enregistré.", "Saved."],
  by: ["par", "by"],
  hoursLeft: ["{n} h restantes", "{n} h left"],
  minutesLeft: ["{n} min restantes", "{n} min left"],
  daysLeft: ["{n} j restants", "{n} d left"],
  lateBy: ["En retard de {n} h", "Late by {n} h"],
  closed: ["Boucle fermée", "Loop closed"],
  noOrganization: [
    "Vous ne travaillez pour aucun organisme : ouvrez une référence par son lien. La carte du réseau viendra ici.",
    "You work for no organization: open a referral from its link. The network map will come here.",
  ],
} as const;

export type Word = keyof typeof WORDS;

let current: Lang = (localStorage.getItem("maillage.lang") as Lang | null) ?? "fr";

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem("maillage.lang", next);
  document.documentElement.lang = next;
}

/** The app's word in the current language; {n} replaced by ``n``. */
export function t(word: Word, n?: number | string): string {
  const text: string = WORDS[word][current === "fr" ? 0 : 1];
  return n === undefined ? text : text.replace("{n}", String(n));
}

/** A word picked at run time (e.g. an action or error code), falling back to ``fallback``. */
export function tKey(key: string, fallback: Word): string {
  return key in WORDS ? t(key as Word) : t(fallback);
}
