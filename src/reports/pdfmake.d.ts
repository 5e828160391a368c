// Minimal typings for pdfmake 0.3's Node entry (the package ships none): the singleton and what we use of it.
declare module 'pdfmake' {
  interface OutputDocument {
    getBuffer(): Promise<Buffer>;
  }
  interface PdfMake {
    virtualfs: { writeFileSync(name: string, content: Buffer): void; existsSync(name: string): boolean };
    setFonts(fonts: Record<string, Record<string, string>>): void;
    setUrlAccessPolicy(fn: (url: string) => boolean): void;
    setLocalAccessPolicy(fn: (path: string) => boolean): void;
    createPdf(doc: Record<string, unknown>, options?: Record<string, unknown>): OutputDocument;
  }
  const pdfmake: PdfMake;
  export default pdfmake;
}
