using DistributorService.Data;
using DistributorService.Intake;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Auth;

namespace DistributorService.Apis;

public static class AdminApi
{
    public sealed record IntakeState(bool Paused);

    public static IEndpointRouteBuilder MapDistributorAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/intake").RequireAuthorization(AuthPolicies.Admin).WithTags("Admin");
        group.MapGet("/", async (DistributorDbContext db, IntakeGate gate, CancellationToken ct) =>
            TypedResults.Ok(new IntakeState(await gate.IsPausedAsync(db, ct))));
        group.MapPost("/pause", (DistributorDbContext db, IntakeGate gate, HttpContext context, CancellationToken ct) =>
            SetAsync(db, gate, context, paused: true, ct));
        group.MapPost("/resume", (DistributorDbContext db, IntakeGate gate, HttpContext context, CancellationToken ct) =>
            SetAsync(db, gate, context, paused: false, ct));
        return app;
    }

    private static async Task<Ok<IntakeState>> SetAsync(DistributorDbContext db, IntakeGate gate, HttpContext context, bool paused,
        CancellationToken cancellationToken)
    {
        await gate.SetAsync(db, paused, context.User.GetUserId(), cancellationToken);
        return TypedResults.Ok(new IntakeState(paused));
    }
}
