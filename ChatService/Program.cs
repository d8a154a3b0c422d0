using ChatService.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatServices();

var app = builder.Build();

app.UseServiceDefaults();
app.MapChatApis();
app.MapDefaultEndpoints();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
