CREATE TABLE "practice_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"interview_id" uuid NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone,
	"call_sid" text
);
--> statement-breakpoint
CREATE TABLE "candidate_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"interview_id" uuid NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "opt_outs" (
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"phone" text NOT NULL,
	"source" text NOT NULL,
	"keyword" text,
	"interview_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opt_outs_tenant_id_phone_pk" PRIMARY KEY("tenant_id","phone")
);
--> statement-breakpoint
CREATE TABLE "scheduled_calls" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"interview_id" uuid NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"job_id" text NOT NULL,
	"timezone" text NOT NULL,
	"resume_from_stage" text,
	"claimed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "practice_links" ADD CONSTRAINT "practice_links_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "candidate_links" ADD CONSTRAINT "candidate_links_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opt_outs" ADD CONSTRAINT "opt_outs_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_calls" ADD CONSTRAINT "scheduled_calls_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "practice_links_interview_idx" ON "practice_links" USING btree ("interview_id");--> statement-breakpoint
CREATE INDEX "candidate_links_interview_idx" ON "candidate_links" USING btree ("interview_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scheduled_calls_one_pending_uq" ON "scheduled_calls" USING btree ("interview_id") WHERE "scheduled_calls"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "scheduled_calls_due_idx" ON "scheduled_calls" USING btree ("status","due_at");