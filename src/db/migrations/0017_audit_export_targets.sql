CREATE TABLE "audit_export_targets" (
	"org_id" text PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"bucket" text NOT NULL,
	"prefix" text NOT NULL,
	"include_records" boolean NOT NULL,
	"delivered_n" bigint NOT NULL,
	"last_delivered_at" timestamp with time zone,
	"failures" integer NOT NULL,
	"last_error_code" text,
	"last_error_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"updated_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_export_targets" ADD CONSTRAINT "audit_export_targets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_export_targets" ADD CONSTRAINT "audit_export_targets_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_export_targets" ADD CONSTRAINT "audit_export_targets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;