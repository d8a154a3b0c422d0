using DistributorService.Apis;
using DistributorService.Extensions;
using DurableJobs.Admin;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDistributorServices();

var app = builder.Build();

app.UseServiceDefaults();
app.MapDestinationsApi();
app.MapEventsApi();
app.MapDistributionsApi();
app.MapDeadLettersApi();
app.MapDistributorAdminApi();
app.MapDefaultEndpoints();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
