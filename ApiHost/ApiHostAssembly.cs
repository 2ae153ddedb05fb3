namespace ApiHost;

/// <summary>
/// Names the ApiHost assembly for <c>WebApplicationFactory</c>: Silo and ApiHost both have a
/// top-level <c>Program</c>, so tests that reference both cannot name it.
/// </summary>
public sealed class ApiHostAssembly;
