// Dates in the user's locale and time zone.
import { lang, t } from "./i18n";

function locale(): string {
  return lang() === "fr" ? "fr-CA" : "en-CA";
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function date(iso: string | null | undefined): string {
  if (!iso) return "—";
  // A calendar day ("2025-10-01") is that day wherever the reader is, not a UTC midnight.
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const when = day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(when);
}

/** Time left before ``deadline`` ("5 h left"), or how late it is. */
export function timeLeft(deadline: string, now: number = Date.now()): string {
  const minutes = Math.round((new Date(deadline).getTime() - now) / 60000);
  if (minutes < 0) return t("lateBy", Math.ceil(-minutes / 60));
  if (minutes < 60) return t("minutesLeft", minutes);
  if (minutes < 48 * 60) return t("hoursLeft", Math.floor(minutes / 60));
  return t("daysLeft", Math.floor(minutes / 1440));
}

export function time(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { timeStyle: "short" }).format(new Date(iso));
}
