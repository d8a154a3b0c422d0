using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DistributorService.Data.Migrations
{
    /// <inheritdoc />
    public partial class LeanerDistributionIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_distributions_destinations_DestinationId",
                table: "distributions");

            migrationBuilder.DropIndex(
                name: "IX_events_IdempotencyKey",
                table: "events");

            migrationBuilder.DropIndex(
                name: "IX_distributions_Status_UpdatedAt",
                table: "distributions");

            migrationBuilder.CreateIndex(
                name: "IX_events_IdempotencyKey",
                table: "events",
                column: "IdempotencyKey",
                unique: true,
                filter: "\"IdempotencyKey\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_distributions_unfinished_UpdatedAt",
                table: "distributions",
                column: "UpdatedAt",
                filter: "\"Status\" IN ('pending', 'processing')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_events_IdempotencyKey",
                table: "events");

            migrationBuilder.DropIndex(
                name: "IX_distributions_unfinished_UpdatedAt",
                table: "distributions");

            migrationBuilder.CreateIndex(
                name: "IX_events_IdempotencyKey",
                table: "events",
                column: "IdempotencyKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_distributions_Status_UpdatedAt",
                table: "distributions",
                columns: new[] { "Status", "UpdatedAt" });

            migrationBuilder.AddForeignKey(
                name: "FK_distributions_destinations_DestinationId",
                table: "distributions",
                column: "DestinationId",
                principalTable: "destinations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
