// The gateway's error envelope: {"error": {"code", "message", "fields", "request_id"}}; the
// message and each field's text are already in the caller's language.
export interface ErrorBody {
  error?: { code?: string; message?: string; fields?: Record<string, string>; request_id?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }

  static from(status: number, body: ErrorBody | undefined): ApiError {
    const e = body?.error ?? {};
    return new ApiError(status, e.code ?? "HTTP_" + status, e.message ?? String(status), e.fields ?? {});
  }

  /** The text for one form field (`lines.0.quantity` etc.), if the error names it. */
  field(name: string): string | undefined {
    return this.fields[name];
  }
}
