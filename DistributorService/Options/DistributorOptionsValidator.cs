using Microsoft.Extensions.Options;

namespace DistributorService.Options;

/// <summary>Validates <see cref="DistributorOptions"/> and its nested sections at start-up (source generated).</summary>
[OptionsValidator]
public sealed partial class DistributorOptionsValidator : IValidateOptions<DistributorOptions>;
