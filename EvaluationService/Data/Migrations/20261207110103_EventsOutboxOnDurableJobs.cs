using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvaluationService.Data.Migrations
{
    /// <inheritdoc />
    public partial class EventsOutboxOnDurableJobs : Migration
    {
        /// <summary>
        /// evaluation.completed moves from the service's own outbox table to the shared events outbox (DurableJobs/Events,
        /// queue evaluation-events): events not sent yet become queued events jobs (the sweeper dispatches them, since
        /// dispatched_at is null), then the table goes.
        /// </summary>
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                INSERT INTO jobs (id, queue, state, owner, payload, attempt, max_attempts, timeout_ms, next_attempt_at,
                                  cancel_requested, dispatched_at, created_at)
                SELECT "Id", 'evaluation-events', 'queued', left("Payload"->>'owner', 200),
                       jsonb_build_object('type', "Type", 'payload', "Payload", 'idempotencyKey', "IdempotencyKey"),
                       0, 25, 60000, now(), false, NULL, "CreatedAt"
                FROM outbox WHERE "SentAt" IS NULL;
                """);
            migrationBuilder.DropTable(
                name: "outbox");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    IdempotencyKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    LastError = table.Column<string>(type: "text", nullable: true),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Payload = table.Column<string>(type: "jsonb", nullable: false),
                    SentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_outbox_NextAttemptAt",
                table: "outbox",
                column: "NextAttemptAt",
                filter: "\"SentAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_Type_IdempotencyKey",
                table: "outbox",
                columns: new[] { "Type", "IdempotencyKey" },
                unique: true);
        }
    }
}
