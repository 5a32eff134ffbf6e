// A POST that moves money or stock, sent with an Idempotency-Key that lives until its answer is
// known: a double click or a retry after a lost answer is the same request and happens once.
// The key is named after the body, so a changed form is a new request; and any answer ends it
// (the gateway replays a stored refusal for the same key, and the next try after a refusal —
// after a top-up, say — must be asked afresh), except "still in progress" and a 5xx.
import { ApiError } from "@/api/errors";
import { formDone, formKey } from "@/shared/idempotency";

export async function keyed<T>(form: string, body: unknown, send: (key: string) => Promise<T>): Promise<T> {
  const name = `${form}:${JSON.stringify(body)}`;
  try {
    const answer = await send(formKey(name));
    formDone(name);
    return answer;
  } catch (err) {
    if (err instanceof ApiError && err.status < 500 && err.code !== "IDEMPOTENCY_IN_PROGRESS") formDone(name);
    throw err;
  }
}
