CREATE TABLE "connections" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"account_id" text,
	"role_arn" text,
	"external_id" text NOT NULL,
	"previous_external_id" text,
	"capabilities" jsonb NOT NULL,
	"scopes" jsonb NOT NULL,
	"source_identity_enabled" boolean DEFAULT true NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"last_verified_at" timestamp with time zone,
	"verification_report" jsonb,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connections_org_idx" ON "connections" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "connections_status_idx" ON "connections" USING btree ("status") WHERE "connections"."status" in ('pending', 'verified');