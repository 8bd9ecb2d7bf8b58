CREATE TABLE "connection_group_members" (
	"group_id" text NOT NULL,
	"org_id" text NOT NULL,
	"account_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"account_name" text NOT NULL,
	"account_status" text NOT NULL,
	"disabled_by_sync" text,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "connection_group_members_group_id_account_id_pk" PRIMARY KEY("group_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "connection_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"management_connection_id" text NOT NULL,
	"role_name" text NOT NULL,
	"capabilities" jsonb NOT NULL,
	"scopes" jsonb NOT NULL,
	"ou_ids" jsonb NOT NULL,
	"region" text NOT NULL,
	"secret" text NOT NULL,
	"root_id" text,
	"progress" jsonb NOT NULL,
	"sync_generation" integer DEFAULT 0 NOT NULL,
	"last_sync_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connection_group_members" ADD CONSTRAINT "connection_group_members_group_id_connection_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."connection_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_group_members" ADD CONSTRAINT "connection_group_members_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_group_members" ADD CONSTRAINT "connection_group_members_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_groups" ADD CONSTRAINT "connection_groups_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_groups" ADD CONSTRAINT "connection_groups_management_connection_id_connections_id_fk" FOREIGN KEY ("management_connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connection_group_members_org_idx" ON "connection_group_members" USING btree ("org_id","group_id");--> statement-breakpoint
CREATE INDEX "connection_group_members_connection_idx" ON "connection_group_members" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "connection_groups_org_idx" ON "connection_groups" USING btree ("org_id","id");