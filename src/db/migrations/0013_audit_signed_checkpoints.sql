CREATE TABLE "audit_export_targets" (
	"org_id" text PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"bucket" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_signed_checkpoints" (
	"chain" text NOT NULL,
	"n" bigint NOT NULL,
	"seq" bigint NOT NULL,
	"head" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"time" text NOT NULL,
	"prev" text NOT NULL,
	"deployment" text NOT NULL,
	"kid" text NOT NULL,
	"alg" text NOT NULL,
	"hash" text NOT NULL,
	"signature" text NOT NULL,
	"delivered_at" timestamp with time zone,
	"delivery_attempts" bigint DEFAULT 0 NOT NULL,
	"next_delivery_at" timestamp with time zone,
	"delivery_error" text,
	CONSTRAINT "audit_signed_checkpoints_chain_n_pk" PRIMARY KEY("chain","n")
);
--> statement-breakpoint
CREATE TABLE "audit_signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"alg" text NOT NULL,
	"jwk" jsonb NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "audit_signed_checkpoints_pending_idx" ON "audit_signed_checkpoints" USING btree ("delivered_at","next_delivery_at");