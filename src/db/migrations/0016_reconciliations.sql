CREATE TABLE "reconciliation_items" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"reconciliation_id" text NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"region" text,
	"event_id" text,
	"event_name" text,
	"event_source" text,
	"event_time" timestamp with time zone,
	"session_name" text,
	"source_ip" text,
	"principal" text,
	"audit_id" text,
	"operation" text,
	"note" text NOT NULL,
	"details" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconciliations" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"regions" jsonb NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"events_seen" integer DEFAULT 0 NOT NULL,
	"matched" integer DEFAULT 0 NOT NULL,
	"unmatched" integer DEFAULT 0 NOT NULL,
	"unlogged" integer DEFAULT 0 NOT NULL,
	"foreign_assume_roles" integer DEFAULT 0 NOT NULL,
	"truncated" integer DEFAULT 0 NOT NULL,
	"warnings" jsonb NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"cancel_requested" integer DEFAULT 0 NOT NULL,
	"requested_by_type" text NOT NULL,
	"requested_by_id" text NOT NULL,
	"requested_by_user_id" text,
	"error_code" text,
	"error_message" text,
	"heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_reconciliation_id_reconciliations_id_fk" FOREIGN KEY ("reconciliation_id") REFERENCES "public"."reconciliations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliations" ADD CONSTRAINT "reconciliations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliations" ADD CONSTRAINT "reconciliations_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reconciliation_items_rec_idx" ON "reconciliation_items" USING btree ("org_id","reconciliation_id","id");--> statement-breakpoint
CREATE INDEX "reconciliations_org_conn_idx" ON "reconciliations" USING btree ("org_id","connection_id","window_end");--> statement-breakpoint
CREATE INDEX "reconciliations_status_idx" ON "reconciliations" USING btree ("status");