"""transformacion: Webex Calling provisioning, one script per action, a CSV launcher and a bulk runner."""
