using System.Security.Claims;
using ServiceDefaults.Auth;

// Mints a development JWT for trying the API locally:
//   dotnet run --project eng/TokenTool -- [--user alice] [--admin] [--role publisher] [--audience chatservice]... [--key KEY] [--hours 8]
// The key defaults to Auth__SigningKey, then to the development key in the services' appsettings.Development.json.
// --role adds a role claim (repeatable): "publisher" may post events to DistributorService, for the types that
// Distributor:Publishers:<user> allows (e.g. --user evaluationservice --role publisher for evaluation.*).
// --audience names the service(s) the token is for (repeatable; each service accepts only tokens for its own audience,
// Auth:Audience). Without it the token is for all three (chatservice, evaluationservice, distributorservice): a development
// convenience, like one sign-in that asked for every API; `aud` is then a JSON array.
var user = "alice";
var roles = new List<string>();
var audiences = new List<string>();
var key = Environment.GetEnvironmentVariable("Auth__SigningKey") ?? "development-only-signing-key-change-me-0123456789";
var issuer = Environment.GetEnvironmentVariable("Auth__Issuer") ?? "aspire-chat-dev";
var hours = 8.0;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--user": user = args[++i]; break;
        case "--admin": roles.Add(AuthRoles.Admin); break;
        case "--role": roles.Add(args[++i]); break;
        case "--audience": audiences.Add(args[++i]); break;
        case "--key": key = args[++i]; break;
        case "--hours": hours = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine(
                $"unknown argument {args[i]}; usage: [--user NAME] [--admin] [--role ROLE]... [--audience SERVICE]... [--key KEY] " +
                $"[--hours N]");
            return 2;
    }
}

var claims = new List<Claim> { new("sub", user), new("name", user) };
claims.AddRange(roles.Distinct().Select(r => new Claim("role", r)));
Console.WriteLine(DevTokenIssuer.Mint(key, claims, issuer, audiences.Count > 0 ? audiences.Distinct().ToArray() : [.. ServiceAudiences.All],
    TimeSpan.FromHours(hours)));
return 0;
