/**
 * The one error type of the code base. Services throw it; the HTTP layer turns it into
 * `{"error":{"code","message","field",...}}` with `status`, the CLI into a message and a non-zero exit.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'internal';

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
};

export interface AppErrorOptions {
  /** The input field at fault, as a dotted path (`codes.3`, `changes.0.code`). */
  field?: string;
  /** Extra machine-readable detail (bad line numbers, nearest codes...). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = statusOf[code];
    this.field = options.field;
    this.details = options.details;
  }

  toJSON(): { error: Record<string, unknown> } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
        ...this.details,
      },
    };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
