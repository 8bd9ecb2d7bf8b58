ALTER TABLE "connections" ADD COLUMN "role_name" text;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "previous_external_id_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "cost_basis" text;--> statement-breakpoint
-- Rotations from before the grace period existed get the default 7 days from the upgrade.
UPDATE "connections" SET "previous_external_id_expires_at" = now() + interval '7 days' WHERE "previous_external_id" IS NOT NULL;
