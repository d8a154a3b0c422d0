using ChatService.Extensions;
using ChatService.Ingestion;

// The PDF parser's child process (see PdfSandbox): the same executable, without the web host.
if (args is [PdfExtractorProcess.Argument, _, _])
{
    return PdfExtractorProcess.Run(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatServices();

var app = builder.Build();

// The chat page (wwwroot: plain HTML, JS and CSS; see README "The chat page"). Served before authentication, so its
// files are anonymous; every API stays behind the fallback policy. "/" maps to index.html, which no endpoint uses.
app.UseDefaultFiles();
app.UseStaticFiles(new StaticFileOptions
{
    // why: revalidate (ETag) on every load, so a new deployment's page and script are never mixed with cached ones
    OnPrepareResponse = static ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
});
app.UseServiceDefaults();
app.MapChatApis();
app.MapDefaultEndpoints();

app.Run();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
