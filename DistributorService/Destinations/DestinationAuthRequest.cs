using System.ComponentModel.DataAnnotations;
namespace DistributorService.Destinations;

/// <summary>How deliveries authenticate: <c>none</c>, <c>bearer</c> (token) or <c>oauth2_client_credentials</c>.</summary>
public sealed record DestinationAuthRequest(
    [MaxLength(40)] string? Type,
    [MaxLength(8192)] string? Token,
    [MaxLength(2048)] string? TokenUrl,
    [MaxLength(400)] string? ClientId,
    [MaxLength(8192)] string? ClientSecret,
    [MaxLength(400)] string? Scope);
