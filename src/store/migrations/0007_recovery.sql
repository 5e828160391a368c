CREATE TABLE "live_calls" (
	"interview_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text DEFAULT 'default' NOT NULL,
	"call_sid" text NOT NULL,
	"process_id" text NOT NULL,
	"stage" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "interviews" DROP CONSTRAINT "interviews_status_ck";--> statement-breakpoint
ALTER TABLE "live_calls" ADD CONSTRAINT "live_calls_interview_id_interviews_id_fk" FOREIGN KEY ("interview_id") REFERENCES "public"."interviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "live_calls_heartbeat_idx" ON "live_calls" USING btree ("heartbeat_at");--> statement-breakpoint
ALTER TABLE "interviews" ADD CONSTRAINT "interviews_status_ck" CHECK (status in ('scheduled', 'calling', 'in_progress', 'completed', 'failed', 'canceled', 'no_answer', 'busy', 'voicemail', 'consent_refused', 'incomplete', 'interrupted'));