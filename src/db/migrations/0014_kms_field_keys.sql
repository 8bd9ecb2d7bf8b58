CREATE TABLE "field_encryption_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"kms_key_id" text NOT NULL,
	"wrapped_key" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"activates_at" timestamp with time zone NOT NULL
);
