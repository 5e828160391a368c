/** What the voice core needs from the outside world; implemented by the telephony edge and the store. */

/** The carrier leg of one call (Twilio Media Streams in production, anything in tests). */
export interface CallTransport {
  /** mu-law 8 kHz audio, already paced. */
  sendAudio(frame: Uint8Array): void;
  sendMark(name: string): void;
  /** Drop whatever the carrier has buffered for playback. */
  sendClear(): void;
  close(code?: number, reason?: string): void;
}

