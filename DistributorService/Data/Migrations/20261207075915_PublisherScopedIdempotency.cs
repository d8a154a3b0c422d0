using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DistributorService.Data.Migrations
{
    /// <inheritdoc />
    public partial class PublisherScopedIdempotency : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_events_IdempotencyKey",
                table: "events");

            migrationBuilder.AddColumn<string>(
                name: "PayloadHash",
                table: "events",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Publisher",
                table: "events",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_events_Publisher_IdempotencyKey",
                table: "events",
                columns: new[] { "Publisher", "IdempotencyKey" },
                unique: true,
                filter: "\"IdempotencyKey\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_events_Publisher_IdempotencyKey",
                table: "events");

            migrationBuilder.DropColumn(
                name: "PayloadHash",
                table: "events");

            migrationBuilder.DropColumn(
                name: "Publisher",
                table: "events");

            migrationBuilder.CreateIndex(
                name: "IX_events_IdempotencyKey",
                table: "events",
                column: "IdempotencyKey",
                unique: true,
                filter: "\"IdempotencyKey\" IS NOT NULL");
        }
    }
}
