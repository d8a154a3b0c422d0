namespace DistributorService.Apis;

/// <summary>Problem codes of this service besides the shared ones in <c>ServiceDefaults.Problems.ErrorCodes</c>.</summary>
public static class DistributorErrorCodes
{
    public const string IntakePaused = "INTAKE_PAUSED";
    public const string SsrfRefused = "DESTINATION_URL_REFUSED";
}
