using InterCoG.Programs;
namespace InterCoG.Reasoning;

/// <summary>Values of <see cref="Ordinal.From"/> the executor orders by (GroundingExecutor.Order): image sides, depth
/// (near/far from the camera), apparent size, and the middle and corners used by region picks.</summary>
public static class OrdinalDirections
{
    public const string Left = "left";
    public const string Right = "right";
    public const string Top = "top";
    public const string Bottom = "bottom";
    public const string Near = "near";
    public const string Far = "far";
    public const string Large = "large";
    public const string Small = "small";
    public const string Tall = "tall";
    public const string Short = "short";
    public const string Middle = "middle";
    public const string TopLeft = "top_left";
    public const string TopRight = "top_right";
    public const string BottomLeft = "bottom_left";
    public const string BottomRight = "bottom_right";
}

/// <summary>Values of <see cref="ReferringExpression.Region"/>: an image side, the middle, or a corner.</summary>
public static class Regions
{
    public const string Left = "left";
    public const string Right = "right";
    public const string Top = "top";
    public const string Bottom = "bottom";
    public const string Middle = "middle";
    public const string TopLeft = "top_left";
    public const string TopRight = "top_right";
    public const string BottomLeft = "bottom_left";
    public const string BottomRight = "bottom_right";
}
