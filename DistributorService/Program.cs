using DistributorService.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDistributorServices();

var app = builder.Build();

app.UseServiceDefaults();
app.MapDistributorApis();
app.MapDefaultEndpoints();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
