global using System.Net.Http.Json;
global using System.Net;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.Extensions.DependencyInjection;
global using Xunit;
global using ServiceDefaults.Paging;
