CREATE TABLE "grounding_chunks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"document_id" uuid NOT NULL,
	"interview_id" uuid NOT NULL,
	"source" text NOT NULL,
	"citation_id" text NOT NULL,
	"ordinal" integer NOT NULL,
	"section" text,
	"kind" text NOT NULL,
	"heading" text,
	"page" integer,
	"span_start" integer NOT NULL,
	"span_end" integer NOT NULL,
	"text" text NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce("heading", '') || ' ' || coalesce("section", '') || ' ' || "text")) STORED NOT NULL,
	"flagged" boolean DEFAULT false NOT NULL,
	"flag_reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grounding_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"interview_id" uuid NOT NULL,
	"candidate_id" uuid NOT NULL,
	"source" text NOT NULL,
	"format" text NOT NULL,
	"filename" text,
	"content_type" text,
	"byte_size" integer DEFAULT 0 NOT NULL,
	"sha256" text,
	"artifact_id" uuid,
	"page_count" integer DEFAULT 1 NOT NULL,
	"text" text NOT NULL,
	"extract" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"stats" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "grounding_chunks" ADD CONSTRAINT "grounding_chunks_document_id_grounding_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."grounding_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grounding_chunks" ADD CONSTRAINT "grounding_chunks_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grounding_documents" ADD CONSTRAINT "grounding_documents_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grounding_documents" ADD CONSTRAINT "grounding_documents_candidate_id_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "grounding_chunks_interview_citation_uq" ON "grounding_chunks" USING btree ("interview_id","citation_id");--> statement-breakpoint
CREATE INDEX "grounding_chunks_interview_source_idx" ON "grounding_chunks" USING btree ("interview_id","source");--> statement-breakpoint
CREATE INDEX "grounding_chunks_document_idx" ON "grounding_chunks" USING btree ("document_id");--> statement-breakpoint
CREATE INDEX "grounding_chunks_tsv_idx" ON "grounding_chunks" USING gin ("tsv");--> statement-breakpoint
CREATE UNIQUE INDEX "grounding_documents_interview_source_uq" ON "grounding_documents" USING btree ("interview_id","source");--> statement-breakpoint
CREATE INDEX "grounding_documents_candidate_idx" ON "grounding_documents" USING btree ("candidate_id");