// Every vocabulary term's FR/EN label, from the API (one request, at sign-in).
import { gql } from "./api";
import { lang } from "./i18n";

export interface Term {
  code: string;
  labelFr: string;
  labelEn: string;
}

export const VOCABULARIES = [
  "referralStatus",
  "declineReason",
  "urgency",
  "availability",
  "eventType",
  "consentMethod",
  "organizationKind",
  "placeKind",
] as const;
export type VocabularyName = (typeof VOCABULARIES)[number] | "need";

const QUERY = `query Vocabularies {
  ${VOCABULARIES.map((name) => `${name}: vocabulary(name: "${name}") { code labelFr labelEn }`).join("\n  ")}
  need: needs { code labelFr labelEn }
}`;

let terms: Record<string, Term[]> = {};

export async function loadVocabularies(): Promise<void> {
  terms = await gql<Record<string, Term[]>>(QUERY);
}

export function termsOf(name: VocabularyName): Term[] {
  return terms[name] ?? [];
}

/** The label of ``code`` in ``name``, in the current language (the code itself if unknown). */
export function label(name: VocabularyName, code: string | null | undefined): string {
  if (!code) return "—";
  const term = termsOf(name).find((candidate) => candidate.code === code);
  if (!term) return code;
  return lang() === "fr" ? term.labelFr : term.labelEn;
}
