using Microsoft.EntityFrameworkCore.Migrations;
using NpgsqlTypes;

#nullable disable

namespace ChatService.Data.Migrations
{
    /// <inheritdoc />
    public partial class ChunkSearchLanguage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "documents",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SearchConfig",
                table: "document_chunks",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "english");

            // why: PostgreSQL 15 cannot change a generated column's expression: the derived column and its index are
            // dropped and added again (recomputed from Heading/Text; rows keep 'english', what they were indexed with)
            migrationBuilder.DropIndex(
                name: "IX_document_chunks_SearchVector",
                table: "document_chunks");

            migrationBuilder.DropColumn(
                name: "SearchVector",
                table: "document_chunks");

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "SearchVector",
                table: "document_chunks",
                type: "tsvector",
                nullable: true,
                computedColumnSql: "CASE \"SearchConfig\" WHEN 'english' THEN to_tsvector('english'::regconfig, coalesce(\"Heading\", '') || ' ' || coalesce(\"Text\", '')) WHEN 'italian' THEN to_tsvector('italian'::regconfig, coalesce(\"Heading\", '') || ' ' || coalesce(\"Text\", '')) WHEN 'german' THEN to_tsvector('german'::regconfig, coalesce(\"Heading\", '') || ' ' || coalesce(\"Text\", '')) WHEN 'french' THEN to_tsvector('french'::regconfig, coalesce(\"Heading\", '') || ' ' || coalesce(\"Text\", '')) WHEN 'spanish' THEN to_tsvector('spanish'::regconfig, coalesce(\"Heading\", '') || ' ' || coalesce(\"Text\", '')) ELSE to_tsvector('simple'::regconfig, coalesce(\"Heading\", '') || ' ' || coalesce(\"Text\", '')) END",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "IX_document_chunks_SearchVector",
                table: "document_chunks",
                column: "SearchVector")
                .Annotation("Npgsql:IndexMethod", "GIN");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Language",
                table: "documents");

            migrationBuilder.DropIndex(
                name: "IX_document_chunks_SearchVector",
                table: "document_chunks");

            migrationBuilder.DropColumn(
                name: "SearchVector",
                table: "document_chunks");

            migrationBuilder.DropColumn(
                name: "SearchConfig",
                table: "document_chunks");

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "SearchVector",
                table: "document_chunks",
                type: "tsvector",
                nullable: true)
                .Annotation("Npgsql:TsVectorConfig", "english")
                .Annotation("Npgsql:TsVectorProperties", new[] { "Heading", "Text" });

            migrationBuilder.CreateIndex(
                name: "IX_document_chunks_SearchVector",
                table: "document_chunks",
                column: "SearchVector")
                .Annotation("Npgsql:IndexMethod", "GIN");
        }
    }
}
