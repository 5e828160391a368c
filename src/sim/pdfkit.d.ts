/** Minimal types for pdfkit (a dependency of pdfmake), used by the simulators to generate test documents. */
declare module 'pdfkit' {
  interface TextOptions {
    width?: number;
    lineBreak?: boolean;
    continued?: boolean;
    align?: string;
    lineGap?: number;
  }
  class PDFDocument {
    constructor(opts?: Record<string, unknown>);
    y: number;
    x: number;
    page: { width: number; height: number };
    on(event: 'data', cb: (chunk: Buffer) => void): this;
    on(event: 'end', cb: () => void): this;
    font(src: string): this;
    fontSize(n: number): this;
    fillColor(c: string): this;
    text(s: string, x?: number | TextOptions, y?: number, opts?: TextOptions): this;
    moveDown(n?: number): this;
    addPage(opts?: Record<string, unknown>): this;
    image(src: Buffer | string, x?: number, y?: number, opts?: Record<string, unknown>): this;
    rect(x: number, y: number, w: number, h: number): this;
    stroke(): this;
    initForm(): this;
    formText(name: string, x: number, y: number, w: number, h: number, opts?: Record<string, unknown>): this;
    end(): void;
  }
  export default PDFDocument;
}
