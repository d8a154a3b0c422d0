using ServiceDefaults.Auth;

// Mints a development JWT for trying the API locally:
//   dotnet run --project eng/TokenTool -- [--user alice] [--admin] [--role publisher] [--key KEY] [--hours 8]
// The key defaults to Auth__SigningKey, then to the development key in the services' appsettings.Development.json.
// --role adds a role claim (repeatable): "publisher" may post events to DistributorService, for the types that
// Distributor:Publishers:<user> allows (e.g. --user evaluationservice --role publisher for evaluation.*).
var user = "alice";
var roles = new List<string>();
var key = Environment.GetEnvironmentVariable("Auth__SigningKey") ?? "development-only-signing-key-change-me-0123456789";
var hours = 8.0;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--user": user = args[++i]; break;
        case "--admin": roles.Add(AuthRoles.Admin); break;
        case "--role": roles.Add(args[++i]); break;
        case "--key": key = args[++i]; break;
        case "--hours": hours = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--user NAME] [--admin] [--role ROLE]... [--key KEY] [--hours N]");
            return 2;
    }
}

Console.WriteLine(DevTokenIssuer.Mint(key, user, roles.Distinct(), "aspire-chat-dev", "aspire-chat", TimeSpan.FromHours(hours)));
return 0;
