/**
 * The workspace hub: everything the server knows about candidates' browser workspaces. It issues and texts links,
 * holds the one live page per interview (a second page takes over and the first is told), opens surfaces on the
 * page, records what happens there as events, re-verifies submissions in the sandboxed verifier, and gives the
 * live call compact summaries. Framework-free: the Fastify plugin decorates it as `app.workspace`, the WebSocket
 * route hands it pages, and tests drive it directly.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { EventPayload, EventType } from '../store/events/catalogue.js';
import type { Store } from '../store/store.js';
import type { WorkspaceRepo, WorkspaceSurface } from '../store/repos/workspace.js';
import { maskPhone, type SmsSender } from './sms.js';
import { familyFor, summarize, type Problem, type ProblemBank, type ProblemSummary } from './problems.js';
import type { Verifier, VerifyResult } from './verifier/verifier.js';
import { VerifierBusyError } from './verifier/verifier.js';
import type { ClientMessage, PageVerified, ServerMessage } from './protocol.js';
import { MAX_CODE_CHARS, mediaRefusal, parseClientMessage } from './protocol.js';
import { DesignPromptBank, type DesignPrompt } from './board/prompts.js';
import { ChannelGuard, MediaRooms, type MediaLimits, type MediaMirror, type MediaPage, type WorkspaceImage } from './board/media.js';
import type { MediaClientMessage } from './board/media-protocol.js';
import type { ProcessBus } from '../cluster/process-bus.js';
import { codeInSpeech } from './spoken-code.js';

export type WorkspaceEvent =
  | { type: 'opened'; pageId: string; resumed: boolean; tookOver: boolean }
  | { type: 'closed'; pageId: string; reason: string }
  | { type: 'binding'; status: 'shown' | 'confirmed' | 'mismatch'; code?: string }
  | { type: 'surface'; kind: 'ide'; problem: ProblemSummary; delivered: boolean }
  | { type: 'surface'; kind: 'board'; prompt: { id: string; title: string }; delivered: boolean }
  | { type: 'run'; passed: number; total: number; failing: string[]; outcome: string }
  | { type: 'submitted'; submissionId: string }
  | { type: 'verified'; submissionId: string; verdict: string; passed: number; total: number; summary: string }
  | { type: 'integrity'; kind: 'paste' | 'focus_lost' | 'large_insertion'; detail: Record<string, number | string> };

export interface WorkspaceListener {
  onEvent(ev: WorkspaceEvent): void;
}

/** What the WebSocket route gives the hub for one connected page. */
export interface PageHandle {
  send(msg: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface PageSession {
  pageId: string;
  onMessage(raw: string): Promise<void>;
  onClose(reason: string): Promise<void>;
}

export interface SendLinkInput {
  interviewId: string;
  tenantId: string;
  to: string;
  reason: 'consent' | 'open_ide' | 'open_board' | 'api';
}

export interface WorkspaceHubOptions {
  store: Store;
  repo: WorkspaceRepo;
  sms: SmsSender;
  bank: ProblemBank;
  verifier: Verifier;
  publicUrl: string;
  graceMs: number;
  linkMaxAgeMs: number;
  submitsPerMinute: number;
  runsPerMinute?: number;
  log: { info(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
  /** Called for every refused link use (a metric). */
  onLinkRefused?: (reason: string) => void;
  onVerified?: (result: VerifyResult) => void;
  /** Called whenever a workspace is used (a link sent, a surface opened, a page connected): warms the verifier. */
  onActive?: () => void;
  /**
   * With several web processes the page may land on one process and the call on another: page events go out on
   * the bus to the process holding the call, and messages for the page come back the same way.
   */
  bus?: ProcessBus;
  /** The board's design prompts (default: prompts/designs/). */
  designs?: DesignPromptBank;
  /** Screen-share caps and channel flood limits (defaults in board/media.ts). */
  mediaLimits?: Partial<MediaLimits>;
  /** The interviewer's model accepts images (OPENAI_VISION): `latestImages` offers board snapshots and screen frames. */
  vision?: boolean;
}

/** What the hubs of different processes tell each other on the bus (topic `workspace`). */
interface BusMessage {
  origin: string;
  interviewId: string;
  event?: WorkspaceEvent;
  page?: ServerMessage;
  /** The board and screen state of a page connected to the sender (for the process holding the call). */
  media?: MediaMirror;
  /** The interview ended on the sender: what the others hold of it can go once no page or call uses it. */
  ended?: true;
}

const BUS_TOPIC = 'workspace';

interface Page {
  pageId: string;
  handle: PageHandle;
  linkId: string;
  openedAt: number;
  guard: ChannelGuard;
}

interface Live {
  interviewId: string;
  tenantId: string;
  page?: Page;
  listeners: Set<WorkspaceListener>;
  plainToken?: string;
  lastRun?: { passed: number; total: number; failing: string[]; outcome: string };
  lastVerified?: PageVerified;
  verifying: boolean;
  runTimes: number[];
  submitTimes: number[];
  integrityTimes: number[];
  integrity: { pastes: number; pasteChars: number; focusLosses: number; focusLostMs: number; largeInsertions: number };
  ended: boolean;
  /** The interview's page is connected to another process (heard on the bus). */
  remotePageId?: string;
  /** The page shows its binding code and the phone has not said it yet. */
  bindingPending?: boolean;
}

const RUN_WINDOW_MS = 60_000;

export class WorkspaceHub {
  private readonly live = new Map<string, Live>();
  private readonly runsPerMinute: number;

  private readonly hubId = randomBytes(6).toString('hex');

  readonly designs: DesignPromptBank;
  /**
   * The design board and the screen share (board/media.ts). The process holding the page owns the room; with a
   * bus, it sends the room's state to the others on every change, and the call's process asks the page through it.
   */
  readonly media: MediaRooms;

  constructor(private readonly o: WorkspaceHubOptions) {
    this.runsPerMinute = o.runsPerMinute ?? 30;
    this.designs = o.designs ?? DesignPromptBank.load();
    this.media = new MediaRooms({
      store: o.store,
      record: (id, type, payload) => this.record(id, type, payload),
      log: o.log,
      limits: o.mediaLimits,
      onChange: (id) => this.mirrorOut(id),
    });
    o.bus?.subscribe(BUS_TOPIC, (m) => this.onBus(m as BusMessage));
  }

  /** A design prompt for the role (stable per interview). */
  pickDesign(input: { family?: string; level?: string; roleTitle?: string; seed?: string }): DesignPrompt {
    return this.designs.pick({ family: input.family ?? familyFor(input.roleTitle), level: input.level ?? input.roleTitle, seed: input.seed });
  }

  /** Open the design board with a prompt on the candidate's page (pushed now if a page is connected). */
  async openBoard(interviewId: string, promptId: string, by = 'interviewer'): Promise<{ ok: boolean; prompt?: DesignPrompt; delivered: boolean; error?: string }> {
    const prompt = this.designs.get(promptId);
    if (!prompt) return { ok: false, delivered: false, error: `no design prompt ${promptId}` };
    this.o.onActive?.();
    const live = this.entry(interviewId);
    await this.o.repo.setSurface(interviewId, { kind: 'board', problemId: prompt.id, problemVersion: prompt.version });
    const msg = this.media.openBoard(interviewId, prompt);
    const delivered = this.hasPage(live);
    this.toPage(live, msg);
    await this.record(interviewId, 'workspace.surface_opened', { kind: 'board', problemId: prompt.id, problemVersion: prompt.version, by, delivered });
    this.emit(live, { type: 'surface', kind: 'board', prompt: { id: prompt.id, title: prompt.title }, delivered });
    return { ok: true, prompt, delivered };
  }

  /** Ask the page for a board PNG / a screen frame now (the interviewer's request). */
  requestBoardSnapshot(interviewId: string): boolean {
    return this.media.requestSnapshot(interviewId, this.mediaPage(interviewId));
  }

  requestScreenFrame(interviewId: string): boolean {
    return this.media.requestFrame(interviewId, this.mediaPage(interviewId));
  }

  /**
   * At a natural break: the newest board snapshot and screen frame not offered before, as data URLs for a
   * vision model (none when vision is off). Each is offered once; the text summary stays the main context.
   */
  async latestImages(interviewId: string): Promise<WorkspaceImage[]> {
    return this.o.vision ? this.media.latestImages(interviewId) : [];
  }

  /** A question about the board for the plan-driven interviewer, or null. */
  boardProbe(interviewId: string): { key: string; text: string } | null {
    return this.media.probe(interviewId);
  }

  // ---- the integration API for the live call -------------------------------------------------------------------

  /** Issue (or reuse) the interview's link, text it to the candidate, return the URL. Never throws for SMS failures. */
  async sendLink(input: SendLinkInput): Promise<{ url: string; delivered: boolean; status: string; error?: string }> {
    this.o.onActive?.();
    const live = this.entry(input.interviewId, input.tenantId);
    let token = live.plainToken;
    let linkId: string;
    if (token) linkId = sha256Hex(token).slice(0, 12);
    else {
      const issued = await this.o.repo.issueLink({ interviewId: input.interviewId, tenantId: input.tenantId, reason: input.reason, maxAgeMs: this.o.linkMaxAgeMs });
      token = issued.token;
      linkId = issued.linkId;
      live.plainToken = token;
    }
    const url = `${this.o.publicUrl}/w/${token}`;
    const body = `screenline: your interview workspace for this call is ${url} - open it on a computer. Reply STOP to opt out.`;
    const outcome = await this.o.sms.send(input.to, body).catch((err: unknown) => ({ status: 'failed' as const, error: (err as Error).message }));
    await this.record(input.interviewId, 'sms.sent', {
      purpose: 'workspace_link',
      reason: input.reason,
      to: maskPhone(input.to),
      adapter: this.o.sms.kind,
      status: outcome.status,
      linkId,
      ...('messageSid' in outcome && outcome.messageSid ? { messageSid: outcome.messageSid } : {}),
      ...('errorCode' in outcome && outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    return { url, delivered: outcome.status === 'sent', status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) };
  }

  /** The call is live: route this interview's page events to the listener. Returns a detach function. */
  attach(interviewId: string, listener: WorkspaceListener, tenantId = 'default'): () => void {
    const live = this.entry(interviewId, tenantId);
    // A callback of an ended interview is live again.
    live.ended = false;
    live.listeners.add(listener);
    return () => {
      live.listeners.delete(listener);
      this.forgetIfDone(live);
    };
  }

  /** Open a surface on the candidate's page (pushed now if a page is connected; remembered for reloads). */
  async openSurface(interviewId: string, surface: { kind: 'ide'; problemId: string }, by = 'interviewer'): Promise<{ ok: boolean; problem?: ProblemSummary; delivered: boolean; error?: string }> {
    const problem = this.o.bank.get(surface.problemId);
    if (!problem) return { ok: false, delivered: false, error: `no problem ${surface.problemId} in the bank` };
    this.o.onActive?.();
    const live = this.entry(interviewId);
    const state: WorkspaceSurface = { kind: 'ide', problemId: problem.id, problemVersion: problem.version };
    const previous = await this.o.repo.getState(interviewId);
    await this.o.repo.setSurface(interviewId, state);
    let code = previous?.code ?? null;
    if (previous?.surface?.problemId !== problem.id) {
      code = problem.starter;
      await this.o.repo.saveCode(interviewId, code);
      live.lastRun = undefined;
      live.lastVerified = undefined;
    }
    const summary = summarize(problem);
    const delivered = this.hasPage(live);
    this.toPage(live, { type: 'surface', surface: state, problem: summary, code: code ?? problem.starter });
    await this.record(interviewId, 'workspace.surface_opened', { kind: 'ide', problemId: problem.id, problemVersion: problem.version, by, delivered });
    this.emit(live, { type: 'surface', kind: 'ide', problem: summary, delivered });
    return { ok: true, problem: summary, delivered };
  }

  /** The page a candidate has open right now, if any. */
  isPageConnected(interviewId: string): boolean {
    const live = this.live.get(interviewId);
    return Boolean(live && this.hasPage(live));
  }

  /** The page shows its binding code and the phone has not said it yet. */
  isBindingPending(interviewId: string): boolean {
    return Boolean(this.live.get(interviewId)?.bindingPending);
  }

  /** Compact summary for the interviewer's context at natural breaks; null when nothing happened on the page. */
  summary(interviewId: string): string | null {
    const code = this.codeSummary(interviewId);
    const media = this.media.contextLines(interviewId, this.mediaPage(interviewId));
    if (!media.length) return code;
    return [code, media.join('. ') + '.'].filter(Boolean).join(' ');
  }

  private codeSummary(interviewId: string): string | null {
    const live = this.live.get(interviewId);
    if (!live) return null;
    const parts: string[] = [];
    const open = this.hasPage(live);
    if (!open) parts.push('the workspace page is not open');
    else if (live.bindingPending) parts.push('the page is open but not yet linked to this call: ask them to read you the four-digit code at the top of their page');
    if (live.lastRun) {
      parts.push(`ran the visible tests: ${live.lastRun.passed} of ${live.lastRun.total} pass${live.lastRun.failing.length ? `; failing: ${live.lastRun.failing.slice(0, 4).join(', ')}` : ''}${live.lastRun.outcome !== 'completed' ? ` (${live.lastRun.outcome})` : ''}`);
    }
    if (live.verifying) parts.push('a submission is being verified');
    if (live.lastVerified) parts.push(`submitted: ${live.lastVerified.summary}`);
    const i = live.integrity;
    const facts: string[] = [];
    if (i.pastes) facts.push(`${i.pastes} paste${i.pastes > 1 ? 's' : ''} (${i.pasteChars} chars)`);
    if (i.largeInsertions) facts.push(`${i.largeInsertions} large insertion${i.largeInsertions > 1 ? 's' : ''}`);
    if (i.focusLosses) facts.push(`left the page ${i.focusLosses} time${i.focusLosses > 1 ? 's' : ''} (${Math.round(i.focusLostMs / 1000)} s)`);
    if (facts.length) parts.push(`page signals (facts, not judgements): ${facts.join(', ')}`);
    if (parts.length === (open ? 0 : 1) && !live.lastRun && !live.lastVerified && !facts.length) return open ? null : parts[0] ?? null;
    return parts.join('. ') + '.';
  }

  /** Pick a problem from the bank for a role family / level ("backend", "senior", or a role title). */
  pickProblem(input: { family?: string; level?: string; roleTitle?: string; seed?: string }): ProblemSummary {
    return summarize(this.o.bank.pick({ family: input.family ?? familyFor(input.roleTitle), level: input.level ?? input.roleTitle, seed: input.seed }));
  }

  /** The phone heard a binding code: compare with the code the page shows. */
  async confirmBinding(interviewId: string, heard: string): Promise<{ ok: boolean }> {
    const state = await this.o.repo.getState(interviewId);
    const ok = Boolean(state?.bindingCode) && heard.replace(/\D/g, '') === state?.bindingCode;
    if (ok) await this.o.repo.markBound(interviewId);
    const live = this.entry(interviewId);
    if (ok) live.bindingPending = false;
    await this.record(interviewId, 'workspace.binding', { status: ok ? 'confirmed' : 'mismatch', ...(live.page ? { pageId: live.page.pageId } : {}) });
    this.emit(live, { type: 'binding', status: ok ? 'confirmed' : 'mismatch' });
    if (ok) this.toPage(live, { type: 'bound' });
    return { ok };
  }

  /**
   * A line the candidate said on the phone: while the page shows its binding code, four digits said aloud are
   * compared with it (read by `codeInSpeech`; a line with no four-digit code is not a mismatch).
   */
  async hearBinding(interviewId: string, said: string): Promise<{ ok: boolean } | null> {
    if (!this.live.get(interviewId)?.bindingPending) return null;
    const heard = codeInSpeech(said);
    return heard ? this.confirmBinding(interviewId, heard) : null;
  }

  /** The interview has ended: links expire after the grace period; the open page is told. */
  async end(interviewId: string): Promise<void> {
    await this.o.repo.expireLinks(interviewId, this.o.graceMs);
    const live = this.live.get(interviewId);
    if (!live) return;
    live.ended = true;
    live.plainToken = undefined;
    this.toPage(live, { type: 'ended', graceMs: this.o.graceMs });
    if (this.o.bus) this.publish({ origin: this.hubId, interviewId, ended: true });
    this.forgetIfDone(live);
  }

  /** An ended interview with no page and no call here holds nothing in this process any more. */
  private forgetIfDone(live: Live): void {
    if (!live.ended || live.page || live.listeners.size > 0 || this.live.get(live.interviewId) !== live) return;
    this.live.delete(live.interviewId);
    this.media.forget(live.interviewId);
  }

  // ---- pages (called by the WebSocket route) -------------------------------------------------------------------

  /** A page opened its channel with a valid link. The previous page of the interview, if any, is told and closed. */
  async connectPage(link: { interviewId: string; tenantId: string; linkId: string }, handle: PageHandle, userAgent: string): Promise<PageSession> {
    this.o.onActive?.();
    const live = this.entry(link.interviewId, link.tenantId);
    const pageId = randomBytes(6).toString('hex');
    const previous = live.page;
    if (previous) {
      previous.handle.send({ type: 'taken_over' });
      previous.handle.close(4001, 'another page took over');
    }
    const page: Page = { pageId, handle, linkId: link.linkId, openedAt: Date.now(), guard: new ChannelGuard(this.media.limits) };
    live.page = page;

    let state = await this.o.repo.getState(link.interviewId);
    let bindingCode = state?.bindingCode ?? null;
    if (!bindingCode) {
      bindingCode = String(randomInt(0, 10_000)).padStart(4, '0');
      await this.o.repo.setBindingCode(link.interviewId, bindingCode);
      state = await this.o.repo.getState(link.interviewId);
    }
    const problem = state?.surface?.kind === 'ide' ? this.o.bank.get(state.surface.problemId) : undefined;
    const design = state?.surface?.kind === 'board' ? this.designs.get(state.surface.problemId) : undefined;
    if (design) this.media.ensureBoard(link.interviewId, design);
    if (!live.lastVerified && problem) live.lastVerified = await this.lastVerifiedFromLog(link.interviewId, problem);
    const resumed = Boolean(previous) || Boolean(state?.code) || Boolean(state?.surface);
    const interview = await this.o.store.interviews.get(link.interviewId);
    handle.send({
      type: 'hello',
      pageId,
      candidateName: interview?.candidate.name.split(/\s+/)[0] ?? '',
      roleTitle: interview?.role.title ?? '',
      binding: { code: bindingCode, bound: Boolean(state?.boundAt) },
      surface: state?.surface && problem ? state.surface : null,
      problem: problem ? summarize(problem) : null,
      code: problem ? (state?.code ?? problem.starter) : null,
      lastVerified: live.lastVerified ?? null,
      limits: { maxCodeChars: MAX_CODE_CHARS },
      board: design ? this.media.boardMessage(link.interviewId) : null,
      screenSharing: this.media.isSharing(link.interviewId),
    });
    await this.record(link.interviewId, 'workspace.opened', { pageId, linkId: link.linkId, resumed, tookOver: Boolean(previous), userAgent: userAgent.slice(0, 200) });
    this.emit(live, { type: 'opened', pageId, resumed, tookOver: Boolean(previous) });
    this.mirrorOut(link.interviewId);
    if (!state?.boundAt) {
      live.bindingPending = true;
      await this.record(link.interviewId, 'workspace.binding', { status: 'shown', pageId });
      this.emit(live, { type: 'binding', status: 'shown', code: bindingCode });
    }

    return {
      pageId,
      onMessage: async (raw) => {
        if (live.page !== page) return;
        const accepted = page.guard.accept(raw);
        if (accepted === null) return;
        if ('close' in accepted) return this.refuseChannel(live, page, accepted.close);
        const msg = parseClientMessage(accepted.message);
        if (!msg) {
          const refusal = mediaRefusal(accepted.message);
          if (refusal?.startsWith('scene_too_large')) {
            // Oversized, not malformed: the page is told and keeps its board; the channel stays open.
            handle.send({ type: 'board.refused', reason: 'scene_too_large', message: `The board is too large to save: ${refusal.slice('scene_too_large: '.length)}.` });
            await this.record(live.interviewId, 'board.refused', { reason: refusal, chars: accepted.message.length });
            return;
          }
          handle.send({ type: 'error', code: 'malformed', message: refusal ?? 'message not understood' });
          const verdict = page.guard.bad();
          if (verdict) await this.refuseChannel(live, page, verdict.close);
          return;
        }
        await this.onPageMessage(live, page, msg);
      },
      onClose: async (reason) => {
        if (live.page === page) {
          live.page = undefined;
          await this.media.pageClosed(link.interviewId);
        }
        await this.record(link.interviewId, 'workspace.closed', { pageId, reason: reason.slice(0, 100), openMs: Date.now() - page.openedAt });
        this.emit(live, { type: 'closed', pageId, reason });
        this.forgetIfDone(live);
      },
    };
  }

  /** A link failed on a known interview: the log says so (unknown tokens have no interview; they are counted only). */
  async linkRefused(check: { reason: string; interviewId?: string; linkId?: string }): Promise<void> {
    this.o.onLinkRefused?.(check.reason);
    this.o.log.warn({ reason: check.reason, linkId: check.linkId, interviewId: check.interviewId }, 'workspace link refused');
    if (check.interviewId && check.linkId) await this.record(check.interviewId, 'workspace.link_refused', { linkId: check.linkId, reason: check.reason });
  }

  private async refuseChannel(live: Live, page: Page, close: { code: number; reason: string }): Promise<void> {
    this.o.log.warn({ interviewId: live.interviewId, pageId: page.pageId, ...close }, 'workspace channel refused');
    await this.record(live.interviewId, 'workspace.channel_refused', close);
    page.handle.close(close.code, close.reason);
  }

  private async onPageMessage(live: Live, page: Page, msg: ClientMessage): Promise<void> {
    const id = live.interviewId;
    if (msg.type.startsWith('board.') || msg.type.startsWith('screen.')) {
      await this.media.handle(id, page.handle, msg as MediaClientMessage);
      return;
    }
    switch (msg.type) {
      case 'ping':
        page.handle.send({ type: 'pong' });
        return;
      case 'code':
        await this.o.repo.saveCode(id, msg.code);
        return;
      case 'run': {
        if (!this.allow(live.runTimes, this.runsPerMinute)) {
          await this.rateLimited(live, page, 'run', live.runTimes);
          return;
        }
        const state = await this.o.repo.getState(id);
        live.lastRun = { passed: msg.passed, total: msg.total, failing: msg.failing, outcome: msg.outcome };
        await this.record(id, 'code.run', { problemId: state?.surface?.problemId ?? 'none', passed: msg.passed, total: msg.total, failing: msg.failing, outcome: msg.outcome, durationMs: msg.durationMs });
        this.emit(live, { type: 'run', passed: msg.passed, total: msg.total, failing: msg.failing, outcome: msg.outcome });
        return;
      }
      case 'submit':
        await this.submit(live, page, msg.code, msg.browser);
        return;
      case 'integrity':
        if (!this.allow(live.integrityTimes, 120)) return;
        if (msg.kind === 'focus_lost') {
          live.integrity.focusLosses++;
          live.integrity.focusLostMs += msg.durationMs;
          await this.record(id, 'integrity.focus_lost', { kind: msg.how, durationMs: msg.durationMs });
          this.emit(live, { type: 'integrity', kind: 'focus_lost', detail: { durationMs: msg.durationMs, how: msg.how } });
        } else if (msg.kind === 'paste') {
          live.integrity.pastes++;
          live.integrity.pasteChars += msg.chars;
          await this.record(id, 'integrity.paste', { chars: msg.chars, lines: msg.lines });
          this.emit(live, { type: 'integrity', kind: 'paste', detail: { chars: msg.chars, lines: msg.lines } });
        } else if (msg.kind === 'large_insertion') {
          live.integrity.largeInsertions++;
          await this.record(id, 'integrity.large_insertion', { chars: msg.chars, lines: msg.lines });
          this.emit(live, { type: 'integrity', kind: 'large_insertion', detail: { chars: msg.chars, lines: msg.lines } });
        }
        return;
    }
  }

  /** Verifies one submission in the sandbox; the page and the listeners hear the result. */
  async submit(live: Live, page: Page | undefined, code: string, browser?: { passed: number; total: number }): Promise<PageVerified | undefined> {
    const id = live.interviewId;
    const state = await this.o.repo.getState(id);
    const problem = state?.surface ? this.o.bank.get(state.surface.problemId) : undefined;
    if (!problem) {
      page?.handle.send({ type: 'error', message: 'no problem is open' });
      return undefined;
    }
    if (live.verifying) {
      page?.handle.send({ type: 'error', message: 'a submission is already being checked' });
      return undefined;
    }
    if (!this.allow(live.submitTimes, this.o.submitsPerMinute)) {
      await this.rateLimited(live, page, 'submit', live.submitTimes);
      return undefined;
    }
    const submissionId = randomBytes(6).toString('hex');
    live.verifying = true;
    try {
      await this.o.repo.saveCode(id, code);
      await this.record(id, 'code.submitted', { problemId: problem.id, problemVersion: problem.version, submissionId, code, codeSha256: sha256Hex(code), ...(browser ? { browser } : {}) });
      this.emit(live, { type: 'submitted', submissionId });
      page?.handle.send({ type: 'verifying', submissionId });
      let result: VerifyResult;
      try {
        result = await this.o.verifier.verify({ code, problem });
      } catch (err) {
        const busy = err instanceof VerifierBusyError;
        this.o.log.error({ err, interviewId: id }, 'verification failed to run');
        live.page?.handle.send({ type: 'error', message: busy ? 'the checker is busy: try again in a minute' : 'the checker failed: try again' });
        return undefined;
      }
      this.o.onVerified?.(result);
      const stored = await this.record(id, 'code.verified', {
        problemId: problem.id,
        problemVersion: problem.version,
        submissionId,
        verdict: result.verdict,
        passed: result.passed,
        total: result.total,
        tests: result.tests.map((t) => ({ name: t.name, hidden: t.hidden, status: t.status, ...(t.ms !== undefined ? { ms: t.ms } : {}) })),
        ...(result.reason ? { reason: result.reason } : {}),
        violations: result.violations,
        durationMs: result.durationMs,
        queuedMs: result.queuedMs,
        cold: result.cold,
      });
      const verified = toPageVerified(submissionId, result, stored?.seq);
      live.lastVerified = verified;
      live.page?.handle.send({ type: 'verified', result: verified });
      this.emit(live, { type: 'verified', submissionId, verdict: result.verdict, passed: result.passed, total: result.total, summary: verified.summary });
      return verified;
    } finally {
      live.verifying = false;
    }
  }

  /** Submit on behalf of the interview without a page (tests, the API). */
  async submitCode(interviewId: string, code: string): Promise<PageVerified | undefined> {
    return this.submit(this.entry(interviewId), undefined, code);
  }

  private async lastVerifiedFromLog(interviewId: string, problem: Problem): Promise<PageVerified | undefined> {
    const events = await this.o.store.events.list(interviewId, { types: ['code.verified'], limit: 5000 });
    const last = events.at(-1);
    if (!last || last.payload.problemId !== problem.id) return undefined;
    const p = last.payload as EventPayload<'code.verified'>;
    return {
      submissionId: p.submissionId,
      verdict: p.verdict,
      passed: p.passed,
      total: p.total,
      reason: p.reason,
      eventSeq: last.seq,
      summary: verdictSummary(p.verdict, p.passed, p.total, p.tests, p.reason),
      tests: p.tests.map((t) => ({ name: t.name, hidden: t.hidden, status: t.status, ms: t.ms })),
    };
  }

  private async rateLimited(live: Live, page: Page | undefined, kind: string, times: number[]): Promise<void> {
    const retryAfterMs = Math.max(0, (times[0] ?? Date.now()) + RUN_WINDOW_MS - Date.now());
    page?.handle.send({ type: 'rate_limited', kind, retryAfterMs });
    await this.record(live.interviewId, 'code.rate_limited', { kind, retryAfterMs });
  }

  private allow(times: number[], perMinute: number): boolean {
    const now = Date.now();
    while (times.length && times[0]! <= now - RUN_WINDOW_MS) times.shift();
    if (times.length >= perMinute) return false;
    times.push(now);
    return true;
  }

  private entry(interviewId: string, tenantId = 'default'): Live {
    let live = this.live.get(interviewId);
    if (!live) {
      live = {
        interviewId,
        tenantId,
        listeners: new Set(),
        verifying: false,
        runTimes: [],
        submitTimes: [],
        integrityTimes: [],
        integrity: { pastes: 0, pasteChars: 0, focusLosses: 0, focusLostMs: 0, largeInsertions: 0 },
        ended: false,
      };
      this.live.set(interviewId, live);
    }
    return live;
  }

  private hasPage(live: Live): boolean {
    return Boolean(live.page) || live.remotePageId !== undefined;
  }

  /** To the interview's page: here if it is connected here, else over the bus to the process that has it. */
  private toPage(live: Live, msg: ServerMessage): void {
    if (live.page) live.page.handle.send(msg);
    else if (this.o.bus && live.remotePageId !== undefined) this.publish({ origin: this.hubId, interviewId: live.interviewId, page: msg });
  }

  /** The page as the media rooms use it: the connected one here, or the one on another process through the bus. */
  private mediaPage(interviewId: string): MediaPage | undefined {
    const live = this.live.get(interviewId);
    if (!live) return undefined;
    if (live.page) return live.page.handle;
    if (!this.o.bus || live.remotePageId === undefined) return undefined;
    return { send: (msg) => this.toPage(live, msg) };
  }

  /** The room of a page connected here changed (or the page closed): the process holding the call takes it as its own. */
  private mirrorOut(interviewId: string): void {
    if (!this.o.bus) return;
    const media = this.media.mirror(interviewId);
    if (media) this.publish({ origin: this.hubId, interviewId, media });
  }

  private publish(m: BusMessage): void {
    try {
      this.o.bus?.publish(BUS_TOPIC, m);
    } catch (err) {
      this.o.log.warn({ err, interviewId: m.interviewId }, 'workspace bus publish failed');
    }
  }

  /** Another process's hub: a message for a page connected here, or an event of a page connected there. */
  private onBus(m: BusMessage): void {
    if (!m || m.origin === this.hubId) return;
    const live = this.live.get(m.interviewId);
    if (!live) return;
    if (m.ended) {
      live.ended = true;
      this.forgetIfDone(live);
      return;
    }
    if (m.media) {
      // Only a process without the page takes a mirror: the one with it owns the room.
      if (!live.page) this.media.applyMirror(m.interviewId, m.media, m.media.board ? (this.designs.get(m.media.board.promptId) ?? null) : null);
      return;
    }
    if (m.page) {
      if (!live.page) return;
      // The interviewer on another process opened the board: this room must hold it for the page's scenes.
      if (m.page.type === 'board') {
        const prompt = this.designs.get(m.page.prompt.id);
        if (prompt) this.media.openBoard(m.interviewId, prompt);
      }
      live.page.handle.send(m.page);
      return;
    }
    const ev = m.event;
    if (!ev) return;
    switch (ev.type) {
      case 'opened':
        // A page elsewhere took over from the one connected here.
        if (live.page && live.page.pageId !== ev.pageId) {
          live.page.handle.send({ type: 'taken_over' });
          live.page.handle.close(4001, 'another page took over');
          live.page = undefined;
        }
        live.remotePageId = ev.pageId;
        break;
      case 'closed':
        if (live.remotePageId === ev.pageId) live.remotePageId = undefined;
        break;
      case 'run':
        live.lastRun = { passed: ev.passed, total: ev.total, failing: ev.failing, outcome: ev.outcome };
        break;
      case 'submitted':
        live.verifying = true;
        break;
      case 'verified':
        live.verifying = false;
        live.lastVerified = { submissionId: ev.submissionId, verdict: ev.verdict, passed: ev.passed, total: ev.total, summary: ev.summary, tests: [] };
        break;
      case 'integrity':
        if (ev.kind === 'focus_lost') {
          live.integrity.focusLosses++;
          live.integrity.focusLostMs += Number(ev.detail.durationMs) || 0;
        } else if (ev.kind === 'paste') {
          live.integrity.pastes++;
          live.integrity.pasteChars += Number(ev.detail.chars) || 0;
        } else live.integrity.largeInsertions++;
        break;
      case 'binding':
        break;
    }
    this.emitLocal(live, ev);
  }

  private emit(live: Live, ev: WorkspaceEvent): void {
    this.emitLocal(live, ev);
    if (this.o.bus) this.publish({ origin: this.hubId, interviewId: live.interviewId, event: ev });
  }

  private emitLocal(live: Live, ev: WorkspaceEvent): void {
    for (const l of live.listeners) {
      try {
        l.onEvent(ev);
      } catch (err) {
        this.o.log.error({ err, interviewId: live.interviewId }, 'workspace listener threw');
      }
    }
  }

  private async record<T extends EventType>(interviewId: string, type: T, payload: EventPayload<T>) {
    try {
      return await this.o.store.events.append(interviewId, type, payload as Record<string, unknown>);
    } catch (err) {
      this.o.log.error({ err, interviewId, eventType: type }, 'workspace event append failed');
      return undefined;
    }
  }

  /** Closes every page (shutdown). */
  closeAll(): void {
    for (const live of this.live.values()) live.page?.handle.close(1001, 'server shutting down');
  }
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function verdictSummary(verdict: string, passed: number, total: number, tests: { name: string; hidden: boolean; status: string }[], reason?: string): string {
  const failing = tests.filter((t) => t.status !== 'pass');
  const visibleFailing = failing.filter((t) => !t.hidden).map((t) => t.name);
  const hiddenFailing = failing.filter((t) => t.hidden).length;
  const head =
    verdict === 'passed'
      ? `all ${total} tests pass`
      : verdict === 'failed'
        ? `${passed} of ${total} tests pass`
        : `${verdict}${reason ? ` (${reason})` : ''}, ${passed} of ${total} tests pass`;
  const tail = [visibleFailing.length ? `failing: ${visibleFailing.slice(0, 4).join(', ')}` : '', hiddenFailing ? `${hiddenFailing} hidden test${hiddenFailing > 1 ? 's' : ''} failing` : '']
    .filter(Boolean)
    .join('; ');
  return tail ? `${head}; ${tail}` : head;
}

function toPageVerified(submissionId: string, r: VerifyResult, seq?: number): PageVerified {
  return {
    submissionId,
    verdict: r.verdict,
    passed: r.passed,
    total: r.total,
    reason: r.reason,
    eventSeq: seq,
    summary: verdictSummary(r.verdict, r.passed, r.total, r.tests, r.reason),
    tests: r.tests.map((t) => ({ name: t.name, hidden: t.hidden, status: t.status, ms: t.ms, ...(t.hidden ? {} : { output: t.output, expected: t.expected, error: t.error, stdout: t.stdout, stderr: t.stderr }) })),
  };
}
