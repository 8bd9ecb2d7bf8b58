CREATE TABLE "approval_decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"request_id" text NOT NULL,
	"approver_user_id" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_policies" (
	"org_id" text PRIMARY KEY NOT NULL,
	"operations" jsonb NOT NULL,
	"approver_roles" jsonb NOT NULL,
	"approvals_required" integer NOT NULL,
	"grant_ttl_seconds" integer NOT NULL,
	"grant_mode" text NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"requester_type" text NOT NULL,
	"requester_id" text NOT NULL,
	"requester_user_id" text,
	"operation" text,
	"connection_id" text,
	"resource" text,
	"elevated_role" text,
	"reason" text,
	"status" text NOT NULL,
	"approvals_required" integer NOT NULL,
	"grant_mode" text NOT NULL,
	"grant_ttl_seconds" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_by" text
);
--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_request_id_approval_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."approval_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_policies" ADD CONSTRAINT "approval_policies_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_policies" ADD CONSTRAINT "approval_policies_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_requester_user_id_users_id_fk" FOREIGN KEY ("requester_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approval_decisions_unique" ON "approval_decisions" USING btree ("request_id","approver_user_id");--> statement-breakpoint
CREATE INDEX "approval_requests_org_idx" ON "approval_requests" USING btree ("org_id","status","created_at");--> statement-breakpoint
CREATE INDEX "approval_requests_requester_idx" ON "approval_requests" USING btree ("org_id","requester_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "approval_requests_pending_operation_unique" ON "approval_requests" USING btree ("org_id","requester_id","operation","connection_id","resource") WHERE status = 'pending' and kind = 'operation';--> statement-breakpoint
CREATE UNIQUE INDEX "approval_requests_pending_elevation_unique" ON "approval_requests" USING btree ("org_id","requester_id") WHERE status = 'pending' and kind = 'elevation';