namespace Nona.Plugins.Vision;
