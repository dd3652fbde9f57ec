import { ApiError } from "./api";
import { t, tKey } from "./i18n";

/** An API error in words a worker understands; input errors keep the API's precise message. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "BAD_USER_INPUT") return error.message;
    return tKey(`err_${error.code}`, "err_generic");
  }
  return t("err_generic");
}

/** Errors after which the view must show the referral's true state again. */
export function needsRefresh(error: unknown): boolean {
  return error instanceof ApiError && ["CONFLICT", "INVALID_TRANSITION", "NOT_FOUND"].includes(error.code);
}
