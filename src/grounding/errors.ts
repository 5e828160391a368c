/** Why an uploaded document was refused: a typed reason, a 4xx status, and a message that names the problem. */
import { AppError } from '../lib/errors.js';

export type RefusalReason =
  | 'too_large'
  | 'too_many_pages'
  | 'too_much_text'
  | 'password_protected'
  | 'corrupt'
  | 'truncated'
  | 'image_only'
  | 'not_a_pdf'
  | 'unsupported_format'
  | 'empty'
  | 'timeout';

const STATUS: Record<RefusalReason, number> = {
  too_large: 413,
  too_many_pages: 422,
  too_much_text: 422,
  password_protected: 422,
  corrupt: 422,
  truncated: 422,
  image_only: 422,
  not_a_pdf: 422,
  unsupported_format: 415,
  empty: 422,
  timeout: 422,
};

export class DocumentRefusedError extends AppError {
  readonly reason: RefusalReason;
  /** 1-based page the problem is on, when it is on one. */
  readonly page?: number;

  constructor(reason: RefusalReason, message: string, opts: { page?: number; cause?: unknown } = {}) {
    super(STATUS[reason], `document_${reason}`, message, { cause: opts.cause, details: { reason, page: opts.page } });
    this.name = 'DocumentRefusedError';
    this.reason = reason;
    this.page = opts.page;
  }
}

export const refuse = (reason: RefusalReason, message: string, opts?: { page?: number; cause?: unknown }) =>
  new DocumentRefusedError(reason, message, opts);

/** Plain shape a child process can send back. */
export interface RefusalWire {
  reason: RefusalReason;
  message: string;
  page?: number;
}
