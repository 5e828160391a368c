CREATE TABLE "ats_applications" (
	"tenant_id" text NOT NULL,
	"vendor" text NOT NULL,
	"application_id" text NOT NULL,
	"interview_id" uuid NOT NULL,
	"candidate_external_id" text,
	"callback_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ats_applications_tenant_id_vendor_application_id_pk" PRIMARY KEY("tenant_id","vendor","application_id")
);
--> statement-breakpoint
CREATE TABLE "ats_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"vendor" text NOT NULL,
	"event_id" text NOT NULL,
	"action" text NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"payload" jsonb NOT NULL,
	"interview_id" uuid,
	"detail" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ats_writebacks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"interview_id" uuid NOT NULL,
	"report_id" text NOT NULL,
	"vendor" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"remote_id" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ats_applications" ADD CONSTRAINT "ats_applications_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ats_deliveries" ADD CONSTRAINT "ats_deliveries_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ats_writebacks" ADD CONSTRAINT "ats_writebacks_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ats_applications_interview_uq" ON "ats_applications" USING btree ("interview_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ats_deliveries_event_uq" ON "ats_deliveries" USING btree ("tenant_id","vendor","event_id");--> statement-breakpoint
CREATE INDEX "ats_deliveries_interview_idx" ON "ats_deliveries" USING btree ("interview_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ats_writebacks_report_uq" ON "ats_writebacks" USING btree ("report_id","vendor");