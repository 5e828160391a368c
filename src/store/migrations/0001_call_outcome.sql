ALTER TABLE "interviews" DROP CONSTRAINT "interviews_status_ck";--> statement-breakpoint
ALTER TABLE "interviews" ADD COLUMN "stage_reached" text;--> statement-breakpoint
ALTER TABLE "interviews" ADD CONSTRAINT "interviews_status_ck" CHECK (status in ('scheduled', 'calling', 'in_progress', 'completed', 'failed', 'canceled', 'no_answer', 'busy', 'voicemail', 'consent_refused', 'incomplete'));