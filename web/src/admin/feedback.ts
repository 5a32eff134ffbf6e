// How the admin tells the user what the API answered: a toast for the message, and the form's
// field errors under the fields they name.
import { ElMessage } from "element-plus";

import { ApiError } from "@/api/errors";

export function toastError(err: unknown): void {
  ElMessage.error(err instanceof Error ? err.message : String(err));
}

/** Copy an ApiError's field errors into a form's error map (cleared first); toast the message. */
export function showErrors(err: unknown, errors: Record<string, string>): void {
  for (const k of Object.keys(errors)) delete errors[k];
  if (err instanceof ApiError) Object.assign(errors, err.fields);
  toastError(err);
}
