using EvaluationService.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddEvaluationServices();

var app = builder.Build();

app.UseServiceDefaults();
app.MapEvaluationApis();
app.MapDefaultEndpoints();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
