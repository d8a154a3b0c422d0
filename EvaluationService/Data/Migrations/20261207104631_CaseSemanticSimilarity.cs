using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvaluationService.Data.Migrations
{
    /// <inheritdoc />
    public partial class CaseSemanticSimilarity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "SemanticSimilarity",
                table: "case_results",
                type: "double precision",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SemanticSimilarity",
                table: "case_results");
        }
    }
}
